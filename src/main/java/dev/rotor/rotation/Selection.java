package dev.rotor.rotation;

import dev.rotor.limits.Permit;
import dev.rotor.models.ModelSpec;
import java.time.Instant;

/** The policy's answer to "which model now?". */
public sealed interface Selection {

    /** Call this model now, with this permit (to settle with the policy once the call has its answer). */
    record Use(ModelSpec model, boolean rotated, Permit permit) implements Selection {}

    /** No model of the chain is available before {@code until}. */
    record Wait(Instant until) implements Selection {}

    /** No model of the chain will ever take this task. */
    record GiveUp(DeadLetterType type, String reason) implements Selection {}
}
