package dev.rotor.limits;

import java.util.OptionalDouble;

/**
 * The rate a provider allows, measured over runs that each began as the scope freed and met their 429 within about
 * a window (demand waiting throughout): their successes over the spans from the reset before each to its own.
 */
final class RateMeasurement {

    /** Successes to measure a rate from before it is trusted. */
    static final int MIN_SAMPLES = 16;

    private int successes;
    private long spanMs;
    private long precisionMs = 1;

    void clear() {
        successes = 0;
        spanMs = 0;
        precisionMs = 1;
    }

    void add(int runSuccesses, long runSpanMs, long runPrecisionMs) {
        successes += runSuccesses;
        spanMs += runSpanMs;
        precisionMs = Math.max(precisionMs, runPrecisionMs);
    }

    /** Calls per ms, once the runs cover at least {@code minSpanMs} and enough calls. */
    OptionalDouble perMs(long minSpanMs) {
        return spanMs < minSpanMs || successes < MIN_SAMPLES ? OptionalDouble.empty()
                : OptionalDouble.of(successes / (double) spanMs);
    }

    /** The coarsest reset the measurement counted from. */
    long precisionMs() {
        return precisionMs;
    }
}
