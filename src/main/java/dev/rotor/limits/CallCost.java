package dev.rotor.limits;

import dev.rotor.models.Unit;

/**
 * What one call counts against a scope's limits, in every unit: one request, and the tokens its provider counts (all of
 * them, the input alone, the output alone). Reserved before the call leaves; settled to the answer's usage.
 */
public record CallCost(long tokens, long inputTokens, long outputTokens) {

    /** A call whose tokens nothing counts (no token limit is known, or the call's size is not). */
    public static final CallCost ONE_CALL = new CallCost(0, 0, 0);

    public CallCost {
        if (tokens < 0 || inputTokens < 0 || outputTokens < 0) {
            throw new IllegalArgumentException(
                    "a call cannot cost less than nothing: " + tokens + "/" + inputTokens + "/" + outputTokens);
        }
    }

    public long of(Unit unit) {
        return switch (unit) {
            case REQUESTS -> 1;
            case TOKENS -> tokens;
            case INPUT_TOKENS -> inputTokens;
            case OUTPUT_TOKENS -> outputTokens;
        };
    }
}
