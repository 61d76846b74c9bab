package dev.rotor.limits;

import java.util.Arrays;
import java.util.OptionalDouble;

/**
 * Corrects one model's input estimates by what its provider counted: other model families tokenize differently from the
 * local tokenizer, and add their own framing. Fits {@code counted = slope × local + offset} by least squares over the
 * last answers (the ratio of their sums while they are too few or too alike to fit a line), and keeps how far its
 * estimates were off. Thread-safe.
 */
final class EstimateCorrection {

    static final int SAMPLES = 32;
    /** Fewer than this and the line is not fitted: the ratio of the sums stands in. */
    private static final int MIN_FIT = 6;

    private static final double MIN_SLOPE = 0.2;
    private static final double MAX_SLOPE = 5;

    private final long[] local = new long[SAMPLES];
    private final long[] counted = new long[SAMPLES];
    private final double[] errors = new double[SAMPLES];
    private int samples;
    private int next;
    /**
     * Before its first answer, a model is taken to count a little more than the local tokenizer: a prior on the safe
     * side.
     */
    static final double PRIOR_SLOPE = 1.3;

    private double slope = PRIOR_SLOPE;
    private double offset;

    /** The input the provider will count for a prompt the local tokenizer counts {@code raw}. */
    synchronized long estimate(long raw) {
        if (raw <= 0) {
            return 0;
        }
        return Math.max(1, Math.round(slope * raw + offset));
    }

    /**
     * An answer said its input was {@code actual} tokens, where the local count was {@code raw} and the estimate
     * {@code estimated}.
     */
    synchronized void learn(long raw, long estimated, long actual) {
        if (raw <= 0 || actual <= 0) {
            return;
        }
        local[next] = raw;
        counted[next] = actual;
        errors[next] = Math.abs(estimated - actual) / (double) actual;
        next = (next + 1) % SAMPLES;
        samples = Math.min(SAMPLES, samples + 1);
        fit();
    }

    /** The median of |estimate − counted| / counted over the last answers; empty before the first. */
    synchronized OptionalDouble medianError() {
        if (samples == 0) {
            return OptionalDouble.empty();
        }
        double[] sorted = Arrays.copyOf(errors, samples);
        Arrays.sort(sorted);
        return OptionalDouble.of(
                samples % 2 == 1 ? sorted[samples / 2] : (sorted[samples / 2 - 1] + sorted[samples / 2]) / 2);
    }

    synchronized int samples() {
        return samples;
    }

    private void fit() {
        double sumX = 0;
        double sumY = 0;
        for (int i = 0; i < samples; i++) {
            sumX += local[i];
            sumY += counted[i];
        }
        double meanX = sumX / samples;
        double meanY = sumY / samples;
        double sxx = 0;
        double sxy = 0;
        for (int i = 0; i < samples; i++) {
            sxx += (local[i] - meanX) * (local[i] - meanX);
            sxy += (local[i] - meanX) * (counted[i] - meanY);
        }
        double fitted = sxx > 0 ? sxy / sxx : 0;
        // too few, or prompts too alike to tell a slope from an offset: the ratio of the sums
        if (samples < MIN_FIT || sxx < meanX * meanX * 0.01 || fitted < MIN_SLOPE || fitted > MAX_SLOPE) {
            slope = Math.max(MIN_SLOPE, Math.min(MAX_SLOPE, sumY / sumX));
            offset = 0;
            return;
        }
        slope = fitted;
        offset = meanY - fitted * meanX;
    }
}
