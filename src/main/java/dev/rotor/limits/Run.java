package dev.rotor.limits;

/**
 * The calls on one scope from the first after it became free to the first 429 (or the success that used up the window):
 * what got in, and when the first of them left and was counted. Once it has ended, what the 429 said.
 */
final class Run {

    final long startMs;
    /** What the run's successes counted in the limit's unit: calls, or tokens. */
    long successes;
    /** The earliest moment one of the run's successes can have been counted by the provider, and was sent. */
    long firstCountedMs = Long.MAX_VALUE;

    long firstSentMs = Long.MAX_VALUE;

    /** When the 429 came back, and when it said the scope frees. */
    long endedAtMs;

    long untilMs;
    /** It began as the provider let it (not later, held back by Rotor's own pace). */
    boolean prompt;
    /** It ended in a 429, not in a success that used up the window (which is the pace working, not failing). */
    boolean refused;
    /** {@code untilMs} counts from when the refused call left, not from when its answer was read. */
    boolean fromSend;
    /** How precise {@code untilMs} is: 1 ms, 1000 ms for whole seconds. */
    long precisionMs = 1;
    /** The provider told {@code untilMs}; false when the cooldown was guessed by backoff. */
    boolean told = true;
    /** The earliest the calls in the used-up window can have been counted; MIN_VALUE if not known. */
    long windowHeldFromMs = Long.MIN_VALUE;
    /** It went at a grown pace: its 429 is the growth's, not the provider's rate. */
    boolean grown;

    /** A pause in sending at least this long, and longer than the run so far, ends it. */
    static final long MIN_LULL_MS = 1_000;

    private long lastSentMs;

    Run(long startMs) {
        this.startMs = startMs;
        this.lastSentMs = startMs;
    }

    void sent(long sentMs) {
        lastSentMs = Math.max(lastSentMs, sentMs);
    }

    /**
     * Whether nothing was sent for so long before {@code sentMs} that the run ended in a lull: longer than it had gone
     * on, and than a second. The demand paused, not the provider's limit.
     */
    boolean lullBefore(long sentMs) {
        long pause = sentMs - lastSentMs;
        return pause > MIN_LULL_MS && pause > lastSentMs - startMs;
    }

    /** Whether a call sent then belongs to it: sent from its start until its 429 came back. */
    boolean includes(long sentMs) {
        return sentMs >= startMs && (endedAtMs == 0 || sentMs < endedAtMs);
    }

    void succeeded(long sentMs, long countedMs, long amount) {
        successes += amount;
        firstCountedMs = Math.min(firstCountedMs, countedMs);
        firstSentMs = Math.min(firstSentMs, sentMs);
    }

    /** When the first success reached the provider's counter, as near as can be told; the run's start if none. */
    long firstSuccessMs() {
        long first = fromSend ? firstSentMs : firstCountedMs;
        return first == Long.MAX_VALUE ? startMs : first;
    }
}
