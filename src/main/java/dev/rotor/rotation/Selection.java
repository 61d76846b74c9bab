package dev.rotor.rotation;

import java.time.Instant;

import dev.rotor.models.ModelSpec;

/** The policy's answer to "which model now?". */
public sealed interface Selection {

    /** Call this model now. */
    record Use(ModelSpec model, boolean rotated) implements Selection {
    }

    /** No model of the chain is available before {@code until}. */
    record Wait(Instant until) implements Selection {
    }

    /** No model of the chain will ever take this task. */
    record GiveUp(DeadLetterType type, String reason) implements Selection {
    }
}
