package dev.rotor.limits;

import java.time.Instant;

import dev.rotor.models.ModelSpec;

/** A call the limit state let go: the model, its id in the send logs of every scope it counts against, and when. */
public record Permit(ModelSpec model, long id, Instant sentAt) {
}
