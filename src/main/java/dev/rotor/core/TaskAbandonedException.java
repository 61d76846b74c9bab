package dev.rotor.core;

import dev.rotor.rotation.DeadLetterType;

/** No model will ever take this task; it goes to the dead letter. */
public class TaskAbandonedException extends Exception {

    private final DeadLetterType type;

    public TaskAbandonedException(DeadLetterType type, String reason) {
        super(reason, null, false, false);
        this.type = type;
    }

    public DeadLetterType type() {
        return type;
    }
}
