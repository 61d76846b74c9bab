package dev.rotor.rotation;

/**
 * What a model is told when it is asked again: the answer it gave, and what was wrong with it. Sent only to the
 * model that gave the answer, as two more messages after the task's own.
 */
public record FollowUp(String model, String answer, String complaint) {

    /** The user's message after the model's own answer. */
    public String message() {
        return "Your answer was not accepted: " + complaint + ". Answer again with the whole corrected answer only.";
    }
}
