package dev.rotor.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.answers.AnswerFault;
import dev.rotor.answers.Rejection;
import dev.rotor.chat.ChatResult;
import dev.rotor.chat.Failure;
import dev.rotor.chat.FailureKind;
import dev.rotor.chat.TokenUsage;
import dev.rotor.chat.headers.LimitReport;
import dev.rotor.limits.BudgetView;
import dev.rotor.limits.InputEstimates;
import dev.rotor.limits.LimitSource;
import dev.rotor.limits.LimitState;
import dev.rotor.limits.Spending;
import dev.rotor.models.ModelSpec;
import dev.rotor.models.Money;
import dev.rotor.rotation.RotationPolicy;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The prototype's per-model metrics and more, as Micrometer meters tagged by model (Prometheus names listed in
 * docs/operating.md). Gauges read the rotation policy, so they always show its current state.
 */
public final class RotorMetrics {

    private final MeterRegistry registry;
    private final Map<String, ModelMeters> byModel = new ConcurrentHashMap<>();
    private final Counter rotations;
    private final Counter completed;
    private final Counter deadLettered;
    private final Counter cacheHits;
    private final Counter cacheMisses;
    private final RecentEvents recent;
    private final GenAiMeters genAi;

    /** The meters of one model. */
    public record ModelMeters(
            Counter requests,
            Counter successes,
            Counter rateLimited,
            Timer latency,
            Counter promptTokens,
            Counter completionTokens,
            Counter rotationsTo,
            Counter spendUsd) {}

    public RotorMetrics(MeterRegistry registry, RotationPolicy policy, List<ModelSpec> models, Clock clock) {
        this.registry = registry;
        this.recent = new RecentEvents(clock);
        this.genAi = new GenAiMeters(registry);
        this.rotations = Counter.builder("rotor.rotations")
                .description("Rotations from one model to another")
                .register(registry);
        this.completed =
                Counter.builder("rotor.tasks").tag("status", "completed").register(registry);
        this.deadLettered =
                Counter.builder("rotor.tasks").tag("status", "failed").register(registry);
        this.cacheHits = Counter.builder("rotor.cache.hits")
                .description("Tasks completed from a kept answer, no call made")
                .register(registry);
        this.cacheMisses = Counter.builder("rotor.cache.misses")
                .description("Tasks that found no kept answer and went to a model")
                .register(registry);
        Gauge.builder("rotor.consecutive.failures", policy, RotationPolicy::consecutiveFailures)
                .description("Failed calls since the last success, over all models")
                .register(registry);
        for (ModelSpec m : models) {
            String id = m.id();
            ModelMeters meters = new ModelMeters(
                    counter("rotor.model.requests", id, "Calls made to the model"),
                    counter("rotor.model.successes", id, "Calls that returned a completion"),
                    counter("rotor.model.rate.limited", id, "Calls answered with 429"),
                    // two significant digits: with Micrometer's default of one, a p95 could read below the mean
                    Timer.builder("rotor.model.latency")
                            .tag("model", id)
                            .publishPercentiles(0.5, 0.95)
                            .percentilePrecision(2)
                            .description("Call latency")
                            .register(registry),
                    Counter.builder("rotor.model.tokens")
                            .tag("model", id)
                            .tag("type", "prompt")
                            .register(registry),
                    Counter.builder("rotor.model.tokens")
                            .tag("model", id)
                            .tag("type", "completion")
                            .register(registry),
                    counter("rotor.model.rotations.to", id, "Rotations that landed on the model"),
                    Counter.builder("rotor.spend")
                            .tag("model", id)
                            .baseUnit("usd")
                            .description("What the model's calls cost, from their usage and the model's price")
                            .register(registry));
            byModel.put(id, meters);
            Gauge.builder(
                            "rotor.model.success.rate",
                            meters,
                            mm -> mm.requests().count() == 0
                                    ? 0
                                    : mm.successes().count() / mm.requests().count())
                    .tag("model", id)
                    .register(registry);
            Gauge.builder("rotor.model.breaker.state", policy, p -> breakerValue(p.breakerState(m)))
                    .tag("model", id)
                    .description("0 closed, 1 open, 2 half-open")
                    .register(registry);
            Gauge.builder("rotor.model.available", policy, p -> p.isAvailable(m) ? 1 : 0)
                    .tag("model", id)
                    .register(registry);
            Gauge.builder(
                            "rotor.next.model",
                            policy,
                            p -> p.nextModel().filter(m::equals).isPresent() ? 1 : 0)
                    .tag("model", id)
                    .description("1 for the model the next task would use")
                    .register(registry);
            limitGauges(policy.limits(), m);
            counter(
                    "rotor.model.daily.caps",
                    id,
                    "429s that named a daily cap: the model is out until the day's reset");
            for (AnswerFault fault : AnswerFault.values()) {
                answersRejected(id, fault);
            }
            for (FailureKind kind : FailureKind.values()) {
                // every series at zero from the start: a rate() or an alert over them sees a failure's first one
                Counter.builder("rotor.model.failures")
                        .tag("model", id)
                        .tag("kind", kind.label())
                        .register(registry);
            }
        }
    }

    /** Per chain (and {@code default}, every model): 1 while at least one of its models can take a call. */
    public void chainGauges(RotationPolicy policy, Map<String, List<ModelSpec>> chains, List<ModelSpec> all) {
        Map<String, List<ModelSpec>> named = new LinkedHashMap<>();
        named.put("default", all);
        named.putAll(chains);
        named.forEach((chain, members) -> Gauge.builder(
                        "rotor.chain.available", policy, p -> members.stream().anyMatch(p::isAvailable) ? 1 : 0)
                .tag("chain", chain)
                .description("1 while at least one model of the chain can take a call")
                .register(registry));
    }

    public void dailyCapHit(ModelSpec model) {
        counter("rotor.model.daily.caps", model.id(), "429s that named a daily cap")
                .increment();
    }

    /** The limit that paces the model (declared, from headers or learned), its window, and where it came from. */
    private void limitGauges(LimitState limits, ModelSpec m) {
        Gauge.builder(
                        "rotor.model.limit.requests",
                        limits,
                        l -> l.limitOf(m).map(v -> (double) v.requests()).orElse(Double.NaN))
                .tag("model", m.id())
                .description("Calls per window of the limit that paces the model; NaN if none is known")
                .register(registry);
        Gauge.builder(
                        "rotor.model.limit.window",
                        limits,
                        l -> l.limitOf(m)
                                .map(v -> v.window().toMillis() / 1000.0)
                                .orElse(Double.NaN))
                .tag("model", m.id())
                .baseUnit("seconds")
                .description("The window of that limit")
                .register(registry);
        for (LimitSource source : LimitSource.values()) {
            Gauge.builder(
                            "rotor.model.limit.source",
                            limits,
                            l -> l.limitOf(m).filter(v -> v.source() == source).isPresent() ? 1 : 0)
                    .tag("model", m.id())
                    .tag("source", source.label())
                    .description("1 for where the limit's figure came from: declared, header or learned")
                    .register(registry);
        }
    }

    /**
     * The token limit that paces the model (the tightest of its scopes'), what its bucket holds, and how far the
     * model's input estimates were off at the median.
     */
    public void tokenGauges(LimitState limits, InputEstimates estimates, ModelSpec m, Clock clock) {
        Gauge.builder(
                        "rotor.model.token.limit",
                        limits,
                        l -> l.tokenLimitsOf(m, clock.instant()).stream()
                                .findFirst()
                                .map(v -> (double) v.capacity())
                                .orElse(Double.NaN))
                .tag("model", m.id())
                .description("Tokens per window of the token limit that paces the model; NaN if none")
                .register(registry);
        Gauge.builder(
                        "rotor.model.token.limit.window",
                        limits,
                        l -> l.tokenLimitsOf(m, clock.instant()).stream()
                                .findFirst()
                                .map(v -> v.window().toMillis() / 1000.0)
                                .orElse(Double.NaN))
                .tag("model", m.id())
                .baseUnit("seconds")
                .description("The window that refills it whole")
                .register(registry);
        Gauge.builder(
                        "rotor.model.tokens.available",
                        limits,
                        l -> l.tokenLimitsOf(m, clock.instant()).stream()
                                .findFirst()
                                .map(v -> (double) v.level())
                                .orElse(Double.NaN))
                .tag("model", m.id())
                .description("What that limit's bucket holds now; below zero while calls wait for it")
                .register(registry);
        Gauge.builder(
                        "rotor.model.tokens.reserved",
                        limits,
                        l -> l.tokenLimitsOf(m, clock.instant()).stream()
                                .findFirst()
                                .map(v -> (double) v.reserved())
                                .orElse(Double.NaN))
                .tag("model", m.id())
                .description("What the calls on their way hold of that limit until their answers settle it")
                .register(registry);
        Gauge.builder(
                        "rotor.model.estimate.error",
                        estimates,
                        e -> e.medianError(m).orElse(Double.NaN))
                .tag("model", m.id())
                .description("Median of |input estimate - counted| / counted over the model's last answers")
                .register(registry);
    }

    /** What is left of each budget, and how much of it is used, by scope and window. */
    public void budgetGauges(LimitState limits, Clock clock) {
        for (BudgetView b : limits.budgets(clock.instant())) {
            Gauge.builder(
                            "rotor.budget.remaining",
                            limits,
                            l -> l.budgets(clock.instant()).stream()
                                    .filter(v -> v.scope().equals(b.scope()) && v.window() == b.window())
                                    .findFirst()
                                    .map(v -> Money.usd(v.remainingPicoUsd()))
                                    .orElse(Double.NaN))
                    .tag("scope", b.scope())
                    .tag("window", b.window().label())
                    .baseUnit("usd")
                    .description(
                            "What is left of the budget in its window (spent and held by calls on their way taken off)")
                    .register(registry);
            Gauge.builder(
                            "rotor.budget.used.ratio",
                            limits,
                            l -> l.budgets(clock.instant()).stream()
                                    .filter(v -> v.scope().equals(b.scope()) && v.window() == b.window())
                                    .findFirst()
                                    .map(BudgetView::usedRatio)
                                    .orElse(Double.NaN))
                    .tag("scope", b.scope())
                    .tag("window", b.window().label())
                    .description("The share of the budget spent or held in its window")
                    .register(registry);
        }
    }

    /** A task completed with no call: from a kept answer, or the answer of the same task in flight. */
    public void cacheHit(String transport, String reason) {
        cacheHits.increment();
        deduplicated(transport, reason);
    }

    /** A task or request answered without a model call, and why. */
    public void deduplicated(String transport, String reason) {
        Counter.builder("rotor.tasks.deduplicated")
                .tag("transport", transport)
                .tag("reason", reason)
                .description("Tasks completed without a model call, by why")
                .register(registry)
                .increment();
    }

    public void cacheMissed() {
        cacheMisses.increment();
    }

    public double cacheHits() {
        return cacheHits.count();
    }

    /** How many answers the cache keeps, read when scraped; held strongly, as a method reference has no other owner. */
    public void cacheGauge(LongSupplier size) {
        Gauge.builder("rotor.cache.entries", size, s -> {
                    long n = s.getAsLong();
                    return n < 0 ? Double.NaN : n;
                })
                .description("Answers and idempotency records kept")
                .strongReference(true)
                .register(registry);
    }

    /** A call's cost, in pico-dollars, once its answer says. */
    public void spent(ModelSpec model, long picoUsd) {
        of(model).spendUsd().increment(Money.usd(picoUsd));
    }

    /** Counts the header values a response carried that were not trusted (malformed or implausible). */
    public void ignoredSignals(LimitReport report) {
        for (LimitReport.Ignored ignored : report.ignored()) {
            Counter.builder("rotor.limit.signals.ignored")
                    .tag("family", ignored.family())
                    .tag("reason", ignored.reason())
                    .description("Rate-limit header values ignored as malformed or implausible")
                    .register(registry)
                    .increment();
        }
    }

    private Counter counter(String name, String model, String description) {
        return Counter.builder(name)
                .tag("model", model)
                .description(description)
                .register(registry);
    }

    public ModelMeters of(ModelSpec model) {
        return byModel.get(model.id());
    }

    public void called(ModelSpec model) {
        of(model).requests().increment();
    }

    /**
     * The usage a streamed answer reports in its last chunk, once the stream has brought it, and what it cost. (Its
     * budgets settled when its first chunk came, to the worst case it held: a stream's end comes too late to give
     * back.)
     */
    public void streamedUsage(ModelSpec model, JsonNode usage) {
        ModelMeters m = of(model);
        m.promptTokens().increment(usage.path("prompt_tokens").asLong(0));
        m.completionTokens().increment(usage.path("completion_tokens").asLong(0));
        genAi.tokens(
                model.provider().name(),
                model.id(),
                model.id(),
                usage.path("prompt_tokens").asLong(0),
                usage.path("completion_tokens").asLong(0));
        Spending.costOf(model, TokenUsage.of(usage)).ifPresent(c -> spent(model, c));
    }

    public void succeeded(ModelSpec model, Duration latency, ChatResult result) {
        ModelMeters m = of(model);
        m.successes().increment();
        m.latency().record(latency.toNanos(), TimeUnit.NANOSECONDS);
        m.promptTokens().increment(result.promptTokens());
        m.completionTokens().increment(result.completionTokens());
        if (result.usage().isObject() && !result.usage().isEmpty()) {
            // a stream's first chunk has no usage yet: its tokens are counted when it ends (streamedUsage)
            String answered =
                    result.answeringModel() == null || result.answeringModel().isBlank()
                            ? model.id()
                            : result.answeringModel();
            genAi.tokens(
                    model.provider().name(), model.id(), answered, result.promptTokens(), result.completionTokens());
        }
    }

    /**
     * One model call, whole (a stream to its end), under the GenAI conventions' name.
     *
     * @param errorType why it failed, "" when it did not
     */
    public void operation(ModelSpec model, String responseModel, Duration took, String errorType) {
        genAi.operation(model.provider().name(), model.id(), responseModel, took, errorType);
    }

    public void failed(ModelSpec model, Duration latency, Failure failure) {
        FailureKind kind = failure.kind();
        recent.failed(model.id(), kind.label(), failure.message());
        ModelMeters m = of(model);
        m.latency().record(latency.toNanos(), TimeUnit.NANOSECONDS);
        Counter.builder("rotor.model.failures")
                .tag("model", model.id())
                .tag("kind", kind.label())
                .register(registry)
                .increment();
        if (kind == FailureKind.RATE_LIMITED) {
            m.rateLimited().increment();
        }
    }

    /**
     * An answer failed its checks. An answer came, so what the call counted is recorded as for a success (its tokens,
     * and its latency but for an empty one's, which {@link #failed} records as a failed call's).
     */
    public void answerRejected(ModelSpec model, Duration latency, Rejection rejection) {
        answersRejected(model.id(), rejection.fault()).increment();
        ModelMeters m = of(model);
        m.promptTokens().increment(rejection.usage().input());
        m.completionTokens().increment(rejection.usage().output());
        genAi.tokens(
                model.provider().name(),
                model.id(),
                model.id(),
                rejection.usage().input(),
                rejection.usage().output());
        if (rejection.fault().remedy() != AnswerFault.Remedy.RETRY) {
            recent.failed(model.id(), rejection.fault().label(), rejection.detail());
            m.latency().record(latency.toNanos(), TimeUnit.NANOSECONDS);
        }
    }

    /** An answer passed once a code fence or prose around its JSON was cut off. */
    public void answerHealed(ModelSpec model) {
        Counter.builder("rotor.answers.healed")
                .tag("model", model.id())
                .description("Answers whose JSON passed once a code fence or prose around it was cut off")
                .register(registry)
                .increment();
    }

    /** Answers of the model that failed their checks, over every reason. */
    public double answersRejected(ModelSpec model) {
        return registry.find("rotor.answers.rejected").tag("model", model.id()).counters().stream()
                .mapToDouble(Counter::count)
                .sum();
    }

    private Counter answersRejected(String model, AnswerFault fault) {
        return Counter.builder("rotor.answers.rejected")
                .tag("model", model)
                .tag("reason", fault.label())
                .description("Answers that came back and failed their checks, by reason")
                .register(registry);
    }

    public double failures(ModelSpec model) {
        return registry.find("rotor.model.failures").tag("model", model.id()).counters().stream()
                .mapToDouble(Counter::count)
                .sum();
    }

    /** A task moved from one model ({@code from}, "?" when it had made no call yet) to another. */
    public void rotated(String task, String from, ModelSpec to, String reason) {
        rotations.increment();
        of(to).rotationsTo().increment();
        recent.rotated(task, from, to.id(), reason);
    }

    public void taskCompleted() {
        completed.increment();
    }

    public void taskDeadLettered(String task, String lastModel, String reason) {
        deadLettered.increment();
        recent.deadLettered(task, lastModel, reason);
    }

    /** The last rotations, dead letters and failures, for the status page. */
    public RecentEvents recent() {
        return recent;
    }

    public double totalRotations() {
        return rotations.count();
    }

    private static int breakerValue(CircuitBreaker.State state) {
        return switch (state) {
            case OPEN, FORCED_OPEN -> 1;
            case HALF_OPEN -> 2;
            default -> 0;
        };
    }
}
