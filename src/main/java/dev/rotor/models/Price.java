package dev.rotor.models;

/**
 * What one call costs: per input token, per output token and per request, in pico-dollars (see {@link Money}).
 * Models.yaml writes the token prices per million tokens, as providers publish them.
 */
public record Price(long inputPerToken, long outputPerToken, long perRequest) {

    public static final Price FREE = new Price(0, 0, 0);

    public Price {
        if (inputPerToken < 0 || outputPerToken < 0 || perRequest < 0) {
            throw new IllegalArgumentException("a price must not be negative");
        }
    }

    /** The cost of a call of these token counts. */
    public long cost(long inputTokens, long outputTokens) {
        return Math.addExact(
                Math.addExact(
                        Math.multiplyExact(inputTokens, inputPerToken),
                        Math.multiplyExact(outputTokens, outputPerToken)),
                perRequest);
    }
}
