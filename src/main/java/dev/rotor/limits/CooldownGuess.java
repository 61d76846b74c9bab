package dev.rotor.limits;

import java.time.Duration;

/** How long to cool a scope after a 429 that does not say when to come back: a backoff by the 429s in a row. */
@FunctionalInterface
public interface CooldownGuess {

    Duration after(int rateLimitsInARow);
}
