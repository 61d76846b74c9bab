package dev.rotor.rotation;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What a model is told when it is asked again: the answer it gave, and what was wrong with it. Sent only to the model
 * that gave the answer, after the task's own messages: the answer and a user message saying what was wrong; or, for
 * tool calls that failed, the calls and a tool message for each saying what was wrong with it.
 */
public record FollowUp(String model, String answer, JsonNode toolCalls, String complaint) {

    /** The user's message after the model's own answer. */
    public String message() {
        return "Your answer was not accepted: " + complaint + ". Answer again with the whole corrected answer only.";
    }

    /** The tool's reply to each call the model made, when its calls were what failed. */
    public String toolReply() {
        return "Not accepted: " + complaint + ". Call the tool again with corrected arguments.";
    }
}
