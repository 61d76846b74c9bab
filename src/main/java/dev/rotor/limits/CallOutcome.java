package dev.rotor.limits;

/**
 * How a call on a model ended, as far as its scopes' send logs care: what another process on the same account tells so
 * that every process counts the account's calls.
 *
 * @param sentMs when the call left, epoch milliseconds
 * @param atMs when its answer came
 * @param cost what it counted (tokens settled to what its provider counted)
 */
public record CallOutcome(String modelId, long sentMs, long atMs, Kind kind, CallCost cost) {

    public CallOutcome {
        cost = cost == null ? CallCost.ONE_CALL : cost;
    }

    public CallOutcome(String modelId, long sentMs, long atMs, Kind kind) {
        this(modelId, sentMs, atMs, kind, CallCost.ONE_CALL);
    }

    /** The longest a call is assumed to take to reach the provider's counter after Rotor lets it go. */
    public static final long SEND_SKEW_MS = SendLog.SEND_SKEW_MS;

    /** The latest moment the provider can have counted the call: its answer, or the skew after it left. */
    public long countedAtMs() {
        return Math.min(Math.max(sentMs, atMs), sentMs + SEND_SKEW_MS);
    }

    public enum Kind {
        /** A completion. */
        SUCCEEDED,
        /** A 429: the provider counted it for nothing. */
        REFUSED,
        /** Any other end: the provider may have counted it. */
        FAILED
    }
}
