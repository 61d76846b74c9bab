package dev.rotor.limits;

import java.util.OptionalDouble;

/**
 * The rate a provider allows, measured between its 429s. At each 429 its limiter was empty, whatever its shape, so what
 * got in between two 429s that came close together is what it let in over that span. This holds whatever a reset header
 * means, and when there is none: the one measure that converges from what happens alone.
 */
final class RateBetweenRefusals {

    /** 429s further apart than this many windows had a lull between them: the demand set what got in, not the limit. */
    static final int MAX_GAP_WINDOWS = 3;
    /** The spans measured must cover this many windows before they give a rate. */
    static final int MIN_WINDOWS = 2;

    private final RateMeasurement spans = new RateMeasurement();
    private long lastRefusedAtMs = LearnedLimit.NEVER;
    private long succeededSinceRefused;

    /** A call got in, counting {@code amount} in the limit's unit. */
    void succeeded(long amount) {
        succeededSinceRefused += amount;
    }

    /** A 429 came back then: the span since the last one is measured, if it was short enough to be saturated. */
    void refused(long atMs, long windowMs) {
        long last = lastRefusedAtMs;
        long got = succeededSinceRefused;
        lastRefusedAtMs = atMs;
        succeededSinceRefused = 0;
        if (last != LearnedLimit.NEVER && atMs > last && windowMs > 0 && atMs - last <= MAX_GAP_WINDOWS * windowMs) {
            spans.add(got, atMs - last, 1, true);
        }
    }

    /** Units per ms, once the spans measured cover {@link #MIN_WINDOWS} windows and enough calls; then starts anew. */
    OptionalDouble takeRate(long windowMs) {
        OptionalDouble perMs = spans.perMs(MIN_WINDOWS * windowMs);
        if (perMs.isPresent()) {
            spans.clear();
        }
        return perMs;
    }

    void clear() {
        spans.clear();
        lastRefusedAtMs = LearnedLimit.NEVER;
        succeededSinceRefused = 0;
    }
}
