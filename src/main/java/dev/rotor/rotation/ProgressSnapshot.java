package dev.rotor.rotation;

import java.time.Instant;
import java.util.List;

import com.fasterxml.jackson.annotation.JsonProperty;

/** What a parked task carries with it (as a message property) so that it goes on where it stopped. */
public record ProgressSnapshot(List<Attempt> attempts, int rotations, Instant deadline,
                               @JsonProperty("received_at") Instant receivedAt) {
}
