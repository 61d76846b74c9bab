package dev.rotor.limits;

/**
 * How a call on a model ended, as far as its scopes' send logs care: what another process on the same account tells
 * so that every process counts the account's calls.
 *
 * @param sentMs when the call left, epoch milliseconds
 * @param atMs   when its answer came
 */
public record CallOutcome(String modelId, long sentMs, long atMs, Kind kind) {

    public enum Kind {
        /** A completion. */
        SUCCEEDED,
        /** A 429: the provider counted it for nothing. */
        REFUSED,
        /** Any other end: the provider may have counted it. */
        FAILED
    }
}
