package dev.rotor.chat.headers;

import dev.rotor.models.Unit;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What one header family of one response said about one limit: its size, what remains, when it resets, and its window
 * when the family gives it or it follows from the figures. Every part is optional: providers send what they send.
 */
public record LimitSignal(
        String family,
        Unit unit,
        OptionalLong limit,
        OptionalLong remaining,
        Optional<Instant> resetAt,
        Optional<Duration> window,
        long resetPrecisionMs) {

    public LimitSignal(
            String family,
            Unit unit,
            OptionalLong limit,
            OptionalLong remaining,
            Optional<Instant> resetAt,
            Optional<Duration> window) {
        this(family, unit, limit, remaining, resetAt, window, 1);
    }

    public boolean exhausted() {
        return remaining.isPresent() && remaining.getAsLong() == 0;
    }

    public boolean isRequests() {
        return unit == Unit.REQUESTS;
    }

    /** The same signal of another unit (a 429 body's figures are read before its unit is known). */
    public LimitSignal of(Unit other) {
        return new LimitSignal(family, other, limit, remaining, resetAt, window, resetPrecisionMs);
    }
}
