package dev.rotor.rotation;

import java.time.Duration;

/**
 * Exponential backoff with jitter, as a pure function: {@code base * multiplier^(attempt-1)}, capped at {@code max},
 * then spread by up to ±{@code jitter} (a fraction) so that waiting tasks do not retry in step.
 */
public record Backoff(Duration base, double multiplier, Duration max, double jitter) {

    public static final Backoff PROTOTYPE = new Backoff(Duration.ofSeconds(1), 2.0, Duration.ofSeconds(60), 0.2);

    public Backoff {
        if (base.isNegative() || base.isZero()) {
            throw new IllegalArgumentException("backoff base must be positive, got " + base);
        }
        if (multiplier < 1.0) {
            throw new IllegalArgumentException("backoff multiplier must be at least 1, got " + multiplier);
        }
        if (max.compareTo(base) < 0) {
            throw new IllegalArgumentException("backoff max (" + max + ") must not be below its base (" + base + ")");
        }
        if (jitter < 0 || jitter >= 1) {
            throw new IllegalArgumentException("backoff jitter must be a fraction from 0 to below 1, got " + jitter);
        }
    }

    /**
     * @param attempt 1 for the first retry
     * @param unitRandom a number in [0, 1): 0.5 gives the delay without jitter
     */
    public Duration delay(int attempt, double unitRandom) {
        double raw = base.toMillis() * Math.pow(multiplier, Math.max(0, attempt - 1));
        double capped = Math.min(raw, max.toMillis());
        double spread = capped * jitter * (2 * unitRandom - 1);
        return Duration.ofMillis(Math.round(capped + spread));
    }
}
