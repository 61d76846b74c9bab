package dev.rotor.rotation;

import java.time.Duration;
import java.util.Objects;

/** Immutable settings of the rotation policy; defaults follow the prototype where it had a number. */
public record RotationConfig(
        Strategy strategy,
        int rotateAfter,
        int breakerThreshold,
        Duration breakerWait,
        Backoff backoff,
        Duration paymentCooldown,
        int maxAttempts,
        Duration taskDeadline,
        int reask,
        int distrustAfter,
        Duration distrustFor) {

    public static final Strategy DEFAULT_STRATEGY = Strategy.PRIORITY;
    public static final int DEFAULT_ROTATE_AFTER = 3;
    public static final int DEFAULT_BREAKER_THRESHOLD = 5;
    public static final Duration DEFAULT_BREAKER_WAIT = Duration.ofSeconds(30);
    public static final Duration DEFAULT_PAYMENT_COOLDOWN = Duration.ofHours(1);
    public static final int DEFAULT_MAX_ATTEMPTS = 30;
    public static final Duration DEFAULT_TASK_DEADLINE = Duration.ofMinutes(10);
    public static final int DEFAULT_REASK = 1;
    public static final int DEFAULT_DISTRUST_AFTER = 5;
    public static final Duration DEFAULT_DISTRUST_FOR = Duration.ofMinutes(10);

    public RotationConfig {
        Objects.requireNonNull(strategy, "strategy");
        Objects.requireNonNull(backoff, "backoff");
        requirePositive("rotate-after", rotateAfter);
        requirePositive("circuit-breaker-threshold", breakerThreshold);
        requirePositive("max-attempts", maxAttempts);
        requirePositive("circuit-breaker-wait", breakerWait);
        requirePositive("payment-cooldown", paymentCooldown);
        requirePositive("task deadline", taskDeadline);
        if (reask < 0) {
            throw new IllegalArgumentException("reask must be at least 0, got " + reask);
        }
        requirePositive("distrust-after", distrustAfter);
        requirePositive("distrust-for", distrustFor);
    }

    public static Builder builder() {
        return new Builder();
    }

    public static RotationConfig defaults() {
        return builder().build();
    }

    private static void requirePositive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be at least 1, got " + value);
        }
    }

    private static void requirePositive(String name, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be a positive duration, got " + value);
        }
    }

    public static final class Builder {
        private Strategy strategy = DEFAULT_STRATEGY;
        private int rotateAfter = DEFAULT_ROTATE_AFTER;
        private int breakerThreshold = DEFAULT_BREAKER_THRESHOLD;
        private Duration breakerWait = DEFAULT_BREAKER_WAIT;
        private Backoff backoff = Backoff.PROTOTYPE;
        private Duration paymentCooldown = DEFAULT_PAYMENT_COOLDOWN;
        private int maxAttempts = DEFAULT_MAX_ATTEMPTS;
        private Duration taskDeadline = DEFAULT_TASK_DEADLINE;
        private int reask = DEFAULT_REASK;
        private int distrustAfter = DEFAULT_DISTRUST_AFTER;
        private Duration distrustFor = DEFAULT_DISTRUST_FOR;

        public Builder strategy(Strategy v) {
            strategy = v;
            return this;
        }

        public Builder rotateAfter(int v) {
            rotateAfter = v;
            return this;
        }

        public Builder breakerThreshold(int v) {
            breakerThreshold = v;
            return this;
        }

        public Builder breakerWait(Duration v) {
            breakerWait = v;
            return this;
        }

        public Builder backoff(Backoff v) {
            backoff = v;
            return this;
        }

        public Builder paymentCooldown(Duration v) {
            paymentCooldown = v;
            return this;
        }

        public Builder maxAttempts(int v) {
            maxAttempts = v;
            return this;
        }

        public Builder taskDeadline(Duration v) {
            taskDeadline = v;
            return this;
        }

        public Builder reask(int v) {
            reask = v;
            return this;
        }

        public Builder distrustAfter(int v) {
            distrustAfter = v;
            return this;
        }

        public Builder distrustFor(Duration v) {
            distrustFor = v;
            return this;
        }

        public RotationConfig build() {
            return new RotationConfig(
                    strategy,
                    rotateAfter,
                    breakerThreshold,
                    breakerWait,
                    backoff,
                    paymentCooldown,
                    maxAttempts,
                    taskDeadline,
                    reask,
                    distrustAfter,
                    distrustFor);
        }
    }
}
