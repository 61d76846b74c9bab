package dev.rotor.rotation;

import java.util.Locale;

/** Why a task was dead-lettered; the lower-case name is the {@code error.type} of the dead letter. */
public enum DeadLetterType {
    INVALID_TASK,
    AUTH,
    BAD_REQUEST,
    EXHAUSTED,
    DEADLINE,
    TOO_LARGE,
    BUDGET,
    INVALID_ANSWER;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
