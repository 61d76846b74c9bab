package dev.rotor.rotation;

import dev.rotor.chat.Failure;
import dev.rotor.chat.ModelCallException;
import dev.rotor.models.ModelSpec;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * One resilience4j circuit breaker per model, kept per process: it opens after {@code threshold} failures in a row,
 * lets one probe through after {@code wait}, and closes on the probe's success. Rate limits do not count.
 */
final class Breakers {

    private final CircuitBreakerRegistry registry;
    private final Duration wait;
    private final Map<String, Instant> openedAt = new HashMap<>();

    Breakers(List<ModelSpec> models, int threshold, Duration wait, Clock clock) {
        this.wait = wait;
        this.registry = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(threshold)
                .minimumNumberOfCalls(threshold)
                .failureRateThreshold(100)
                .waitDurationInOpenState(wait)
                .permittedNumberOfCallsInHalfOpenState(1)
                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                .clock(clock)
                .build());
        models.forEach(m -> registry.circuitBreaker(m.id()));
    }

    /** While the breaker is open, when it lets a probe through; empty if it is not open. */
    Optional<Instant> openUntil(ModelSpec m, Instant now) {
        if (breaker(m).getState() != CircuitBreaker.State.OPEN) {
            return Optional.empty();
        }
        // resilience4j lets the probe through only strictly after the wait
        Instant until = openedAt.getOrDefault(m.id(), now).plus(wait).plusMillis(1);
        return until.isAfter(now) ? Optional.of(until) : Optional.empty();
    }

    /** Takes the breaker's permission for one call (in half-open state, the single probe). */
    boolean tryAcquire(ModelSpec m) {
        return breaker(m).tryAcquirePermission();
    }

    /** Gives back a permission taken for a call that was not made or whose failure is not the model's fault. */
    void release(ModelSpec m) {
        breaker(m).releasePermission();
    }

    void succeeded(ModelSpec m, Duration latency) {
        breaker(m).onSuccess(latency.toNanos(), TimeUnit.NANOSECONDS);
    }

    void failed(ModelSpec m, Failure failure, Instant now) {
        CircuitBreaker breaker = breaker(m);
        breaker.onError(0, TimeUnit.NANOSECONDS, new ModelCallException(failure));
        if (breaker.getState() == CircuitBreaker.State.OPEN) {
            openedAt.put(m.id(), now);
        }
    }

    CircuitBreaker.State state(ModelSpec m) {
        return breaker(m).getState();
    }

    private CircuitBreaker breaker(ModelSpec m) {
        return registry.circuitBreaker(m.id());
    }
}
