package dev.rotor.answers;

import java.util.List;

/** What the checks said of one answer. */
public sealed interface AnswerVerdict {

    /**
     * The answer passes. {@code content} is what the result carries: the JSON itself when the model wrapped it in a
     * code fence or prose ({@code healed}). {@code checked}: what it was checked against.
     */
    record Accepted(String content, String finishReason, List<String> checked, boolean healed)
            implements AnswerVerdict {}

    /** The answer fails: {@code detail} says what is wrong, as the model is told when it is asked again. */
    record Rejected(AnswerFault fault, String detail) implements AnswerVerdict {}
}
