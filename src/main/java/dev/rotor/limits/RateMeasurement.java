package dev.rotor.limits;

import java.util.OptionalDouble;

/**
 * The rate a provider allows, measured over runs that each began as the scope freed and met their 429 within about a
 * window (demand waiting throughout): their successes over the spans from the reset before each to its own.
 */
final class RateMeasurement {

    /** Successes to measure a rate from before it is trusted. */
    static final int MIN_SAMPLES = 16;

    private long successes;
    private long spanMs;
    private long precisionMs = 1;
    private boolean told = true;

    void clear() {
        successes = 0;
        spanMs = 0;
        precisionMs = 1;
        told = true;
    }

    /** @param runTold the provider told when the run's scope freed (not a cooldown guessed by backoff) */
    void add(long runSuccesses, long runSpanMs, long runPrecisionMs, boolean runTold) {
        successes += runSuccesses;
        spanMs += runSpanMs;
        precisionMs = Math.max(precisionMs, runPrecisionMs);
        told &= runTold;
    }

    /** Every run was counted from resets the provider told. */
    boolean told() {
        return told;
    }

    /** Calls per ms, once the runs cover at least {@code minSpanMs} and enough calls. */
    OptionalDouble perMs(long minSpanMs) {
        return spanMs < minSpanMs || successes < MIN_SAMPLES
                ? OptionalDouble.empty()
                : OptionalDouble.of(successes / (double) spanMs);
    }

    /** The span the runs measured cover. */
    long spanMs() {
        return spanMs;
    }

    /** The coarsest reset the measurement counted from. */
    long precisionMs() {
        return precisionMs;
    }
}
