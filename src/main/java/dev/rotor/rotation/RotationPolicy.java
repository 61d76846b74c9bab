package dev.rotor.rotation;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.DoubleSupplier;
import java.util.stream.Stream;

import dev.rotor.chat.Failure;
import dev.rotor.chat.FailureKind;
import dev.rotor.chat.LimitScope;
import dev.rotor.chat.ModelCallException;
import dev.rotor.models.ModelRegistry;
import dev.rotor.models.ModelSpec;
import dev.rotor.models.RateLimits;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;

/**
 * The one shared, thread-safe picture of which model can take a call, and the rules for what to do after a
 * failure. Pure logic: time comes from the injected clock, randomness from the injected supplier, nothing sleeps
 * and nothing does I/O. Every task consults the same instance, so what one call learns steers all the others.
 */
public final class RotationPolicy {

    /** While a half-open breaker's probe is out, look again after this long. */
    private static final Duration PROBE_RECHECK = Duration.ofSeconds(1);

    private final ModelRegistry registry;
    private final RotationConfig config;
    private final Clock clock;
    private final DoubleSupplier random;
    private final CircuitBreakerRegistry breakers;
    private final Map<String, Instant> cooldowns = new HashMap<>();
    private final Map<String, List<RequestWindow>> declaredQuotas = new HashMap<>();
    private final Map<String, Integer> rateLimitStreak = new HashMap<>();
    private final Map<String, Instant> breakerOpenedAt = new HashMap<>();
    private final Map<String, String> gone = new HashMap<>();
    private final Map<String, String> refusedProviders = new HashMap<>();
    private final Map<String, ModelKeys> keysByModel = new HashMap<>();
    private int consecutiveFailures;
    private int stickyIndex;
    private int stickyFailures;

    public RotationPolicy(ModelRegistry registry, RotationConfig config, Clock clock, DoubleSupplier random) {
        this.registry = registry;
        this.config = config;
        this.clock = clock;
        this.random = random;
        this.breakers = CircuitBreakerRegistry.of(CircuitBreakerConfig.custom()
                .slidingWindowType(CircuitBreakerConfig.SlidingWindowType.COUNT_BASED)
                .slidingWindowSize(config.breakerThreshold())
                .minimumNumberOfCalls(config.breakerThreshold())
                .failureRateThreshold(100)
                .waitDurationInOpenState(config.breakerWait())
                .permittedNumberOfCallsInHalfOpenState(1)
                .automaticTransitionFromOpenToHalfOpenEnabled(false)
                .clock(clock)
                .build());
        registry.models().forEach(m -> {
            breakers.circuitBreaker(m.id());
            declare(modelKey(m), m.limits());
        });
        registry.limitGroups().forEach((group, limits) -> declare(groupKey(group), limits));
    }

    public RotationConfig config() {
        return config;
    }

    public Clock clock() {
        return clock;
    }

    /** Which model the task should call now, how long until one is free, or that none ever will be. */
    public synchronized Selection select(TaskProgress task) {
        Instant now = clock.instant();
        List<ModelSpec> usable = new ArrayList<>(task.chain().size());
        for (ModelSpec m : task.chain()) {
            if (isUsable(m, task)) {
                usable.add(m);
            }
        }
        if (usable.isEmpty()) {
            return giveUpOn(task);
        }
        for (ModelSpec m : preferenceOrder(task, usable)) {
            if (blockedUntil(m, now).isEmpty() && breaker(m).tryAcquirePermission()) {
                recordRequest(m, now);
                return new Selection.Use(m, task.startCall(m));
            }
        }
        Instant earliest = usable.stream()
                .map(m -> blockedUntil(m, now).orElse(now.plus(PROBE_RECHECK)))
                .min(Comparator.naturalOrder()).orElseThrow();
        return new Selection.Wait(earliest);
    }

    /** Nothing is free now: wait for the earliest model if the deadline allows, with a little jitter. */
    public Decision waitFor(TaskProgress task, Selection.Wait wait) {
        Instant now = clock.instant();
        Duration delay = Duration.between(now, wait.until()).plusMillis(Math.round(random.getAsDouble() * 100));
        return bounded(task, new Decision.Retry(delay.isNegative() ? Duration.ZERO : delay,
                "no model available until " + wait.until()), now);
    }

    public synchronized void onSuccess(ModelSpec model, Duration latency, Optional<Instant> quotaExhaustedUntil) {
        breaker(model).onSuccess(latency.toNanos(), TimeUnit.NANOSECONDS);
        rateLimitStreak.remove(model.id());
        consecutiveFailures = 0;
        stickyFailures = 0;
        // a success's X-RateLimit-* headers describe the account's limit for the model, which for a :free variant
        // is the provider's free pool (OpenRouter reports no upstream limit there): cool what the headers counted,
        // so the other free models do not spend a 429 each to learn it
        quotaExhaustedUntil.ifPresent(until -> coolDown(model, LimitScope.PROVIDER_FREE_POOL, until));
    }

    /** Learns from a failed call and decides what the task does next. */
    public synchronized Decision onFailure(TaskProgress task, ModelSpec model, Failure failure) {
        Instant now = clock.instant();
        task.failed(failure);
        CircuitBreaker breaker = breaker(model);
        Decision decision;
        switch (failure.kind()) {
            case RATE_LIMITED -> {
                breaker.releasePermission();
                int streak = rateLimitStreak.merge(model.id(), 1, Integer::sum);
                Instant until = failure.retryAt().orElseGet(() -> now.plus(config.backoff().delay(streak, random.getAsDouble())));
                coolDown(model, failure.scope(), until);
                decision = afterRetryableFailure(task, "rate limited until " + until);
            }
            case TRANSIENT -> {
                breaker.onError(0, TimeUnit.NANOSECONDS, new ModelCallException(failure));
                if (breaker.getState() == CircuitBreaker.State.OPEN) {
                    breakerOpenedAt.put(model.id(), now);
                }
                decision = config.strategy() == Strategy.STICKY ? afterRetryableFailure(task, failure.message())
                        : afterTransient(task, model, failure, now);
            }
            case CONTEXT_TOO_LONG -> {
                breaker.releasePermission();
                task.markUnfit(model);
                decision = new Decision.Retry(Duration.ZERO, "prompt too long for " + model.id());
            }
            case PAYMENT -> {
                breaker.releasePermission();
                cooldowns.merge(modelKey(model), now.plus(config.paymentCooldown()), RotationPolicy::later);
                decision = afterRetryableFailure(task, "payment required until " + now.plus(config.paymentCooldown()));
            }
            case MODEL_GONE -> {
                breaker.releasePermission();
                gone.put(model.id(), failure.message());
                decision = afterRetryableFailure(task, model.id() + " left the rotation");
            }
            case AUTH -> {
                breaker.releasePermission();
                String provider = model.provider().name();
                refusedProviders.put(provider, "HTTP " + failure.httpStatus());
                decision = new Decision.GiveUp(DeadLetterType.AUTH, authMessage(provider));
            }
            default -> {
                breaker.releasePermission();
                decision = new Decision.GiveUp(DeadLetterType.BAD_REQUEST, failure.message());
            }
        }
        if (failure.kind() != FailureKind.AUTH && failure.kind() != FailureKind.BAD_REQUEST) {
            consecutiveFailures++;
        }
        return bounded(task, decision, now);
    }

    private Decision afterTransient(TaskProgress task, ModelSpec model, Failure failure, Instant now) {
        int inARow = task.transientFailureOn(model);
        if (inARow >= config.rotateAfter()) {
            task.rotateAwayFrom(model);
            String why = inARow + " transient failures in a row on " + model.id();
            if (anotherIsFree(task, model, now)) {
                return new Decision.Retry(Duration.ZERO, why);
            }
            // nothing else to rotate to (the others cooling or their breakers open): the retry lands on this model
            // again, so it keeps the backoff instead of coming straight back
            return new Decision.Retry(config.backoff().delay(inARow, random.getAsDouble()), why + ", and no other model is free");
        }
        Duration delay = config.backoff().delay(inARow, random.getAsDouble());
        Duration asked = failure.retryAt().map(t -> Duration.between(now, t)).orElse(Duration.ZERO);
        return new Decision.Retry(asked.compareTo(delay) > 0 ? asked : delay, failure.message());
    }

    private boolean anotherIsFree(TaskProgress task, ModelSpec failing, Instant now) {
        for (ModelSpec m : task.chain()) {
            if (!m.equals(failing) && isUsable(m, task) && blockedUntil(m, now).isEmpty()) {
                return true;
            }
        }
        return false;
    }

    /** Priority rotates at once (selection skips what is cooling); sticky waits out a backoff like the prototype. */
    private Decision afterRetryableFailure(TaskProgress task, String why) {
        if (config.strategy() == Strategy.STICKY) {
            if (++stickyFailures >= config.rotateAfter()) {
                stickyIndex = (stickyIndex + 1) % registry.models().size();
                stickyFailures = 0;
            }
            return new Decision.Retry(config.backoff().delay(task.calls(), random.getAsDouble()), why);
        }
        task.unpin();
        return new Decision.Retry(Duration.ZERO, why);
    }

    private Decision bounded(TaskProgress task, Decision decision, Instant now) {
        if (!(decision instanceof Decision.Retry retry)) {
            return decision;
        }
        if (task.calls() >= config.maxAttempts()) {
            return new Decision.GiveUp(DeadLetterType.EXHAUSTED, "gave up after " + task.calls() + " calls (max-attempts "
                    + config.maxAttempts() + "); last failure: " + task.lastFailure().map(Failure::message).orElse(retry.why()));
        }
        if (now.plus(retry.delay()).isAfter(task.deadline())) {
            return new Decision.GiveUp(DeadLetterType.DEADLINE, "the task deadline " + task.deadline()
                    + " passes before the next try (" + retry.why() + ")");
        }
        return decision;
    }

    /** The model the next task with the default chain would use, without taking a call permission. */
    public synchronized Optional<ModelSpec> nextModel() {
        Instant now = clock.instant();
        List<ModelSpec> all = registry.models();
        if (config.strategy() == Strategy.STICKY) {
            return Optional.of(all.get(stickyIndex));
        }
        return all.stream().filter(m -> isAvailable(m, now)).findFirst();
    }

    public Optional<ModelSpec> registryModel(String id) {
        return registry.model(id);
    }

    public synchronized boolean isAvailable(ModelSpec model) {
        return isAvailable(model, clock.instant());
    }

    public synchronized int consecutiveFailures() {
        return consecutiveFailures;
    }

    public synchronized CircuitBreaker.State breakerState(ModelSpec model) {
        return breaker(model).getState();
    }

    public synchronized Optional<Instant> cooldownUntil(ModelSpec model) {
        Instant now = clock.instant();
        return scopeKeys(model).stream().map(cooldowns::get).filter(t -> t != null && t.isAfter(now)).max(Comparator.naturalOrder());
    }

    public synchronized boolean isGone(ModelSpec model) {
        return gone.containsKey(model.id());
    }

    private boolean isAvailable(ModelSpec m, Instant now) {
        return !gone.containsKey(m.id()) && !refusedProviders.containsKey(m.provider().name())
                && blockedUntil(m, now).isEmpty() && breaker(m).getState() != CircuitBreaker.State.HALF_OPEN;
    }

    private boolean isUsable(ModelSpec m, TaskProgress task) {
        return !gone.containsKey(m.id()) && !refusedProviders.containsKey(m.provider().name()) && !task.isUnfit(m);
    }

    private List<ModelSpec> preferenceOrder(TaskProgress task, List<ModelSpec> usable) {
        if (config.strategy() == Strategy.STICKY) {
            List<ModelSpec> all = registry.models();
            List<ModelSpec> fromCurrent = new ArrayList<>();
            for (int i = 0; i < all.size(); i++) {
                ModelSpec m = all.get((stickyIndex + i) % all.size());
                if (usable.contains(m)) {
                    fromCurrent.add(m);
                }
            }
            // the prototype knew nothing of cooldowns: it stays on its current model and lets the call fail
            return fromCurrent;
        }
        // the pinned model, then the ones this task has not rotated away from, then the rest; chains are short
        List<ModelSpec> order = new ArrayList<>(usable.size());
        task.pinned().filter(usable::contains).ifPresent(order::add);
        for (ModelSpec m : usable) {
            if (task.canUse(m) && !order.contains(m)) {
                order.add(m);
            }
        }
        for (ModelSpec m : usable) {
            if (!order.contains(m)) {
                order.add(m);
            }
        }
        return order;
    }

    /** When the model can next take a call (cooldowns, declared quotas, an open breaker); empty if it can now. */
    private Optional<Instant> blockedUntil(ModelSpec m, Instant now) {
        // loops, not streams: this runs for every candidate model of every call, under the policy's lock
        Instant latest = null;
        if (config.strategy() != Strategy.STICKY) {
            for (String key : scopeKeys(m)) {
                latest = laterOf(latest, cooldowns.get(key), now);
            }
            if (config.useDeclaredLimits()) {
                for (String key : quotaKeys(m)) {
                    for (RequestWindow window : declaredQuotas.getOrDefault(key, List.of())) {
                        latest = laterOf(latest, window.nextFree(now).orElse(null), now);
                    }
                }
            }
        }
        if (breaker(m).getState() == CircuitBreaker.State.OPEN) {
            // resilience4j lets the probe through only strictly after the wait
            latest = laterOf(latest, breakerOpenedAt.getOrDefault(m.id(), now).plus(config.breakerWait()).plusMillis(1), now);
        }
        return Optional.ofNullable(latest);
    }

    /** The later of the two, counting only instants still ahead of now. */
    private static Instant laterOf(Instant latest, Instant candidate, Instant now) {
        if (candidate == null || !candidate.isAfter(now)) {
            return latest;
        }
        return latest == null || candidate.isAfter(latest) ? candidate : latest;
    }

    private void coolDown(ModelSpec model, LimitScope scope, Instant until) {
        String key = switch (scope) {
            case MODEL -> modelKey(model);
            case PROVIDER_FREE_POOL -> model.isFreeVariant() ? poolKey(model) : modelKey(model);
            case UNSPECIFIED -> model.limitGroup().map(RotationPolicy::groupKey).orElse(modelKey(model));
        };
        cooldowns.merge(key, until, RotationPolicy::later);
    }

    private void recordRequest(ModelSpec m, Instant now) {
        for (String key : quotaKeys(m)) {
            declaredQuotas.getOrDefault(key, List.of()).forEach(w -> w.record(now));
        }
    }

    private void declare(String key, RateLimits limits) {
        if (limits.declared()) {
            declaredQuotas.put(key, limits.quotas().stream().map(q -> new RequestWindow(q.requests(), q.per())).toList());
        }
    }

    private Selection giveUpOn(TaskProgress task) {
        Optional<String> refused = task.chain().stream().map(m -> m.provider().name())
                .filter(refusedProviders::containsKey).findFirst();
        if (refused.isPresent()) {
            return new Selection.GiveUp(DeadLetterType.AUTH, authMessage(refused.get()));
        }
        if (task.chain().stream().allMatch(task::isUnfit)) {
            return new Selection.GiveUp(DeadLetterType.BAD_REQUEST, "the prompt is too long for every model of the chain");
        }
        StringBuilder why = new StringBuilder("no model of the chain can take the task:");
        task.chain().forEach(m -> why.append(' ').append(m.id()).append(" (")
                .append(task.isUnfit(m) ? "prompt too long" : "left the rotation: " + gone.get(m.id())).append(')'));
        return new Selection.GiveUp(DeadLetterType.EXHAUSTED, why.toString());
    }

    private String authMessage(String provider) {
        String variable = registry.providers().stream().filter(p -> p.name().equals(provider)).findFirst()
                .map(p -> p.apiKeyEnv()).orElse(null);
        return "provider '" + provider + "' refused the API key (" + refusedProviders.get(provider) + ")"
                + (variable == null ? "" : ": check " + variable);
    }

    private CircuitBreaker breaker(ModelSpec m) {
        return breakers.circuitBreaker(m.id());
    }

    /** Every cooldown that can hold the model back: its own, its limit group's, its provider's free pool's. */
    private List<String> scopeKeys(ModelSpec m) {
        return keysByModel.computeIfAbsent(m.id(), id -> new ModelKeys(m)).scope();
    }

    /** Every declared quota the model's calls count against: its own and its limit group's. */
    private List<String> quotaKeys(ModelSpec m) {
        return keysByModel.computeIfAbsent(m.id(), id -> new ModelKeys(m)).quota();
    }

    /** A model's state keys, built once: they are looked up on every call. */
    private record ModelKeys(List<String> scope, List<String> quota) {
        ModelKeys(ModelSpec m) {
            this(Stream.of(modelKey(m), m.limitGroup().map(RotationPolicy::groupKey).orElse(null),
                            m.isFreeVariant() ? poolKey(m) : null).filter(k -> k != null).toList(),
                    Stream.of(modelKey(m), m.limitGroup().map(RotationPolicy::groupKey).orElse(null))
                            .filter(k -> k != null).toList());
        }
    }

    private static String modelKey(ModelSpec m) {
        return "model:" + m.id();
    }

    private static String groupKey(String group) {
        return "group:" + group;
    }

    private static String poolKey(ModelSpec m) {
        return "pool:" + m.provider().name() + ":free";
    }

    private static Instant later(Instant a, Instant b) {
        return a.isAfter(b) ? a : b;
    }
}
