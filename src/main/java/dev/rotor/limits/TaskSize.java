package dev.rotor.limits;

import java.util.OptionalInt;

/**
 * How large a task's calls are before any model is asked: its input counted by the local tokenizer (before a model's
 * correction), and the output it asks for at most.
 */
public record TaskSize(long rawInputTokens, OptionalInt maxTokens) {

    /** A task whose size was not counted: its calls reserve only a request. */
    public static final TaskSize UNKNOWN = new TaskSize(0, OptionalInt.empty());

    public boolean counted() {
        return rawInputTokens > 0;
    }
}
