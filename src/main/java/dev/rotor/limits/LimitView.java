package dev.rotor.limits;

import java.time.Duration;

/**
 * A limit as Rotor knows it now, for people: {@code requests} calls in any span of {@code window}, on one scope
 * ({@code model:...}, {@code group:...} or {@code pool:...}), and where the figure came from.
 */
public record LimitView(String scope, int requests, Duration window, LimitSource source) {

    @Override
    public String toString() {
        return requests + " per " + Windows.text(window) + " (" + source.label() + ", " + scope + ")";
    }
}
