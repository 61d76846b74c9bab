package dev.rotor.limits;

import dev.rotor.models.Unit;
import java.time.Duration;

/**
 * A token limit as Rotor paces by it now, for people: {@code capacity} tokens of the unit refilled over {@code window},
 * on one scope, where the figure came from, and what its bucket holds ({@code level}; below zero while calls it let go
 * wait for the refill), and what the calls on their way hold of it ({@code reserved}).
 */
public record TokenLimitView(
        String scope, Unit unit, long capacity, Duration window, LimitSource source, long level, long reserved) {

    /** The limit as tokens per minute, to set beside what a model used per minute. */
    public double perMinute() {
        return capacity * 60_000.0 / window.toMillis();
    }

    @Override
    public String toString() {
        return capacity + " " + unit.label() + " per " + Windows.text(window) + " (" + source.label() + ", " + scope
                + ")";
    }
}
