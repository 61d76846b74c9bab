package dev.rotor.core;

import dev.rotor.rotation.Selection;

/** Every model of the task's chain is cooling down; the failure handler turns this into a delayed retry. */
public class NoModelAvailableException extends Exception {

    private final transient Selection.Wait wait;

    public NoModelAvailableException(Selection.Wait wait) {
        super("no model of the chain is available until " + wait.until(), null, false, false);
        this.wait = wait;
    }

    public Selection.Wait waitUntil() {
        return wait;
    }
}
