package dev.rotor.status;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.rotor.limits.BudgetView;
import dev.rotor.limits.LimitState;
import dev.rotor.limits.ScopeKeys;
import dev.rotor.limits.TokenLimitView;
import dev.rotor.limits.Windows;
import dev.rotor.metrics.RecentEvents;
import dev.rotor.metrics.RotorMetrics;
import dev.rotor.models.ModelSpec;
import dev.rotor.models.Money;
import dev.rotor.rotation.RotationPolicy;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * One model's line on the status page: what state it is in and why, what it has done, and the limit that paces it.
 *
 * @param state available, cooling, at its limit, breaker open, breaker half-open, left the rotation, key refused
 * @param until when the state ends, when it is known
 * @param why what put it there: the last failure, the limit, the provider's word
 * @param answersRejected answers that came back and failed their checks (rotor_answers_rejected_total)
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record ModelStatus(
        String id,
        String provider,
        String state,
        Instant until,
        String why,
        long requests,
        long ok,
        long rateLimited,
        long otherFailures,
        long answersRejected,
        Double p50Ms,
        Double p95Ms,
        long tokens,
        String limit,
        String limitSource,
        String tokenLimit,
        Long tokensAvailable,
        Long tokensReserved,
        double spendUsd) {

    public static final String AVAILABLE = "available";
    public static final String COOLING = "cooling";
    public static final String AT_LIMIT = "at its limit";
    public static final String BREAKER_OPEN = "breaker open";
    public static final String BREAKER_HALF_OPEN = "breaker half-open";
    public static final String GONE = "left the rotation";
    public static final String KEY_REFUSED = "key refused";
    public static final String BUDGET_SPENT = "budget spent";

    /** The model's line as the policy, the limit state and the meters see it at {@code now}. */
    static ModelStatus of(ModelSpec m, RotationPolicy policy, RotorMetrics metrics, Instant now, List<ModelSpec> all) {
        LimitState limits = policy.limits();
        RotorMetrics.ModelMeters meters = metrics.of(m);
        String lastFailure = metrics.recent()
                .lastFailure(m.id())
                .map(f -> f.kind() + ": " + f.message())
                .orElse(null);
        State state = state(m, policy, limits, now, lastFailure, () -> coolingCause(m, all, metrics.recent()));
        double failures = metrics.failures(m);
        var snapshot = meters.latency().takeSnapshot();
        var limit = limits.limitOf(m);
        var tokenLimit = limits.tokenLimitsOf(m, now).stream().findFirst();
        return new ModelStatus(
                m.id(),
                m.provider().name(),
                state.name(),
                state.until().orElse(null),
                state.why(),
                Math.round(meters.requests().count()),
                Math.round(meters.successes().count()),
                Math.round(meters.rateLimited().count()),
                Math.round(failures - meters.rateLimited().count()),
                Math.round(metrics.answersRejected(m)),
                percentileMs(snapshot, 0.5),
                percentileMs(snapshot, 0.95),
                Math.round(meters.promptTokens().count()
                        + meters.completionTokens().count()),
                limit.map(v -> v.requests() + " per " + Windows.text(v.window()) + " on " + v.scope())
                        .orElse(null),
                limit.map(v -> v.source().label()).orElse(null),
                tokenLimit.map(TokenLimitView::toString).orElse(null),
                tokenLimit.map(TokenLimitView::level).orElse(null),
                tokenLimit.map(TokenLimitView::reserved).orElse(null),
                meters.spendUsd().count());
    }

    private record State(String name, Optional<Instant> until, String why) {}

    /** The state that matters most when several hold: a model out of the rotation is out whatever its cooldown. */
    private static State state(
            ModelSpec m,
            RotationPolicy policy,
            LimitState limits,
            Instant now,
            String lastFailure,
            Supplier<String> coolingCause) {
        Optional<String> gone = limits.leftRotation(m);
        if (gone.isPresent()) {
            return new State(GONE, Optional.empty(), gone.get());
        }
        Optional<String> refused = limits.refusal(m.provider().name());
        if (refused.isPresent()) {
            return new State(KEY_REFUSED, Optional.empty(), refused.get());
        }
        CircuitBreaker.State breaker = policy.breakerState(m);
        if (breaker == CircuitBreaker.State.OPEN || breaker == CircuitBreaker.State.FORCED_OPEN) {
            return new State(BREAKER_OPEN, policy.breakerOpenUntil(m), lastFailure);
        }
        if (breaker == CircuitBreaker.State.HALF_OPEN) {
            return new State(BREAKER_HALF_OPEN, Optional.empty(), "a trial call decides: " + lastFailure);
        }
        Optional<Instant> cooling = limits.cooldownUntil(m, now);
        if (cooling.isPresent()) {
            return new State(COOLING, cooling, coolingCause.get());
        }
        List<String> scopes = ScopeKeys.of(m);
        // the least a call of the model holds: one token in and the output it reserves when a task names none
        long least = m.price().map(p -> p.cost(1, m.maxTokens().orElse(1))).orElse(0L);
        Optional<BudgetView> spent = limits.budgets(now).stream()
                .filter(b -> scopes.contains(b.scope()) || b.scope().equals(ScopeKeys.ALL))
                .filter(b -> b.remainingPicoUsd() == 0 || b.remainingPicoUsd() < least)
                .findFirst();
        if (spent.isPresent()) {
            BudgetView b = spent.get();
            return new State(
                    BUDGET_SPENT,
                    Optional.of(b.resetsAt()),
                    "its budget per " + b.window().label() + " on "
                            + b.scope()
                            + (b.remainingPicoUsd() == 0
                                    ? " is spent"
                                    : " has " + Money.text(b.remainingPicoUsd()) + " left, less than a call holds"));
        }
        Optional<Instant> blocked = limits.blockedUntil(m, now);
        if (blocked.isPresent()) {
            return new State(
                    AT_LIMIT,
                    blocked,
                    limits.limitOf(m).map(v -> "window full on " + v.scope()).orElse("its window is full"));
        }
        return new State(AVAILABLE, Optional.empty(), null);
    }

    /** Empty (null) before the first call: a 0 would read as a very fast model. */
    /**
     * What most likely set a cooldown: the latest failure of the model or of a model that shares a limit group or a
     * pool with it. A pool's or a group's 429 cools every model in it, most of which never failed themselves.
     */
    private static String coolingCause(ModelSpec m, List<ModelSpec> all, RecentEvents recent) {
        List<String> shared = ScopeKeys.of(m).stream()
                .filter(k -> !k.equals(ScopeKeys.model(m)))
                .toList();
        ModelSpec cause = null;
        RecentEvents.LastFailure latest = null;
        for (ModelSpec other : all) {
            Optional<RecentEvents.LastFailure> failure = recent.lastFailure(other.id());
            boolean sharing = other.equals(m) || ScopeKeys.of(other).stream().anyMatch(shared::contains);
            if (sharing
                    && failure.isPresent()
                    && (latest == null || failure.get().at().isAfter(latest.at()))) {
                cause = other;
                latest = failure.get();
            }
        }
        if (latest == null) {
            return null;
        }
        String what = latest.kind() + ": " + latest.message();
        return cause.equals(m) ? what : "shares a limit with " + cause.id() + ", which met " + what;
    }

    private static Double percentileMs(HistogramSnapshot snapshot, double percentile) {
        if (snapshot.count() == 0) {
            return null;
        }
        for (ValueAtPercentile v : snapshot.percentileValues()) {
            if (v.percentile() == percentile) {
                // 0 once the timer's recent window holds no call: no figure, rather than a model that seems instant
                return Double.isNaN(v.value()) || v.value() == 0
                        ? null
                        : Math.round(v.value(TimeUnit.MILLISECONDS) * 10) / 10.0;
            }
        }
        return null;
    }
}
