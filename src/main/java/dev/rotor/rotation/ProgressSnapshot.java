package dev.rotor.rotation;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.List;

/** What a parked task carries with it (as a message property) so that it goes on where it stopped. */
public record ProgressSnapshot(
        List<Attempt> attempts,
        int rotations,
        Instant deadline,
        @JsonProperty("received_at") Instant receivedAt) {}
