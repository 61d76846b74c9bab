package dev.rotor.status;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.chat.Failure;
import dev.rotor.chat.FailureKind;
import dev.rotor.chat.LimitScope;
import dev.rotor.chat.TokenUsage;
import dev.rotor.chat.headers.LimitReport;
import dev.rotor.limits.Admission;
import dev.rotor.limits.InMemoryLimitState;
import dev.rotor.limits.InputEstimates;
import dev.rotor.limits.LimitsConfig;
import dev.rotor.limits.Permit;
import dev.rotor.limits.Reservation;
import dev.rotor.limits.TaskSize;
import dev.rotor.metrics.RotorMetrics;
import dev.rotor.models.ModelRegistry;
import dev.rotor.models.ModelRegistryLoader;
import dev.rotor.models.ModelSpec;
import dev.rotor.models.Money;
import dev.rotor.rotation.RotationConfig;
import dev.rotor.rotation.RotationPolicy;
import dev.rotor.rotation.Selection;
import dev.rotor.rotation.TaskProgress;
import dev.rotor.support.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** What the status page says of a model, state by state, on a hand-moved clock. */
class ModelStatusTest {

    private static final Instant START = Instant.parse("2026-11-28T10:00:00Z");
    private static final ModelRegistry MODELS =
            ModelRegistryLoader.parse(new ByteArrayInputStream("""
            providers:
              openrouter: { base-url: "http://127.0.0.1:1/api/v1" }
              other: { base-url: "http://127.0.0.1:2/v1" }
            limit-groups:
              free: { requests: 100, per: 1m }
            models:
              - { id: "a:free", provider: openrouter, limit-group: free }
              - { id: "b:free", provider: openrouter, limit-group: free }
              - { id: "paced", provider: openrouter, requests: 1, per: 10s }
              - { id: "elsewhere", provider: other }
            """.getBytes(StandardCharsets.UTF_8)), "test");

    private final MutableClock clock = new MutableClock(START);
    private final RotationConfig config = RotationConfig.defaults();
    private final RotationPolicy policy = new RotationPolicy(
            MODELS,
            config,
            new InMemoryLimitState(
                    MODELS, new LimitsConfig(true, false), n -> config.backoff().delay(n, 0.5)),
            clock,
            () -> 0.5);
    private final RotorMetrics metrics = new RotorMetrics(new SimpleMeterRegistry(), policy, MODELS.models(), clock);

    private ModelSpec model(String id) {
        return MODELS.model(id).orElseThrow();
    }

    private ModelStatus status(String id) {
        return ModelStatus.of(model(id), policy, metrics, clock.instant(), MODELS.models());
    }

    /** One call on the model, failed as given: the rotation policy and the meters hear of it as in a run. */
    private void fail(String id, Failure failure) {
        TaskProgress task = new TaskProgress("t", List.of(model(id)), START.plusSeconds(600));
        Selection.Use use = (Selection.Use) policy.select(task);
        metrics.called(model(id));
        metrics.failed(model(id), Duration.ofMillis(5), failure);
        policy.onFailure(task, use.permit(), failure);
    }

    @Test
    void shouldSayWhichModelsShareACooldownAndWhoseAnswerSetIt() {
        fail(
                "a:free",
                new Failure(
                        FailureKind.RATE_LIMITED,
                        429,
                        "Rate limit exceeded: free-models-per-min",
                        LimitScope.UNSPECIFIED,
                        Optional.of(START.plusSeconds(30))));

        assertThat(status("a:free")).satisfies(s -> {
            assertThat(s.state()).isEqualTo(ModelStatus.COOLING);
            assertThat(s.until()).isEqualTo(START.plusSeconds(30));
            assertThat(s.why()).isEqualTo("rate_limited: Rate limit exceeded: free-models-per-min");
            assertThat(s.requests()).isEqualTo(1);
            assertThat(s.rateLimited()).isEqualTo(1);
            assertThat(s.otherFailures()).isZero();
        });
        assertThat(status("b:free").state()).isEqualTo(ModelStatus.COOLING);
        assertThat(status("b:free").why()).startsWith("shares a limit with a:free, which met rate_limited");
        assertThat(status("elsewhere").state()).isEqualTo(ModelStatus.AVAILABLE);
        assertThat(status("elsewhere").p50Ms()).isNull();
    }

    @Test
    void shouldShowAFullWindowTheBreakerAModelGoneAndAKeyRefused() {
        TaskProgress task = new TaskProgress("t", List.of(model("paced")), START.plusSeconds(600));
        policy.onSuccess(((Selection.Use) policy.select(task)).permit(), Duration.ZERO, LimitReport.EMPTY);
        assertThat(status("paced").state()).isEqualTo(ModelStatus.AT_LIMIT);
        assertThat(status("paced").why()).isEqualTo("window full on model:paced");
        assertThat(status("paced").limit()).isEqualTo("1 per 10s on model:paced");
        assertThat(status("paced").limitSource()).isEqualTo("declared");

        for (int i = 0; i < config.breakerThreshold(); i++) {
            fail("elsewhere", Failure.of(FailureKind.TRANSIENT, 503, "Service Unavailable"));
        }
        assertThat(status("elsewhere").state()).isEqualTo(ModelStatus.BREAKER_OPEN);
        assertThat(status("elsewhere").why()).isEqualTo("transient: Service Unavailable");
        clock.advance(config.breakerWait().plusSeconds(1));
        policy.select(new TaskProgress(
                "t", List.of(model("elsewhere")), clock.instant().plusSeconds(60)));
        assertThat(status("elsewhere").state()).isEqualTo(ModelStatus.BREAKER_HALF_OPEN);

        policy.limits().leaveRotation(model("b:free"), "No endpoints found for b:free");
        assertThat(status("b:free").state()).isEqualTo(ModelStatus.GONE);
        policy.limits().refuse("openrouter", "HTTP 401: No auth credentials found");
        assertThat(status("a:free").state()).isEqualTo(ModelStatus.KEY_REFUSED);
        assertThat(status("a:free").why()).isEqualTo("HTTP 401: No auth credentials found");
    }

    @Test
    void shouldShowTheTokenLimitWhatItHoldsAndThatASpentBudgetLeavesTheModelOutUntilItResets() {
        ModelRegistry priced =
                ModelRegistryLoader.parse(new ByteArrayInputStream("""
                providers:
                  p: { base-url: "http://127.0.0.1:1/v1" }
                models:
                  - { id: dear, provider: p, tokens-per-minute: 10000, max-tokens: 1000,
                      price: { input-per-million: 1, output-per-million: 4 }, budget: { usd-per-day: 0.005 } }
                """.getBytes(StandardCharsets.UTF_8)), "test");
        ModelSpec dear = priced.model("dear").orElseThrow();
        InMemoryLimitState limits = new InMemoryLimitState(priced, LimitsConfig.defaults(), n -> Duration.ofSeconds(1));
        RotationPolicy pricedPolicy = new RotationPolicy(priced, config, limits, clock, () -> 0.5);
        RotorMetrics pricedMetrics = new RotorMetrics(new SimpleMeterRegistry(), pricedPolicy, priced.models(), clock);
        // one call of 1,000 tokens in, 1,000 out at most: it holds $0.0053 of the day's $0.005, so it may not go ...
        Reservation large = new InputEstimates()
                .plan(dear, new TaskSize(1_000, OptionalInt.empty()))
                .forTask("t");
        assertThat(limits.tryAcquire(dear, large, START)).isInstanceOf(Admission.OverBudget.class);
        // ... but a smaller one may, and once it cost $0.0045 what is left holds no call the model could make
        Reservation small = new InputEstimates()
                .plan(dear, new TaskSize(100, OptionalInt.of(900)))
                .forTask("t");
        Permit permit = ((Admission.Granted) limits.tryAcquire(dear, small, START)).permit();
        ModelStatus holding = ModelStatus.of(dear, pricedPolicy, pricedMetrics, START, priced.models());
        assertThat(holding.tokenLimit()).isEqualTo("10000 tokens per 1m (declared, model:dear)");
        assertThat(holding.tokensReserved()).isEqualTo(130 + 900);
        assertThat(holding.tokensAvailable()).isEqualTo(10_000 - 130 - 900);
        limits.succeeded(
                permit,
                START.plusSeconds(1),
                LimitReport.EMPTY,
                new TokenUsage(900, 900, 0, 0, OptionalLong.empty(), true));
        pricedMetrics.spent(dear, Money.picoUsd(new BigDecimal("0.0045")));

        ModelStatus spent = ModelStatus.of(dear, pricedPolicy, pricedMetrics, START.plusSeconds(1), priced.models());
        assertThat(spent.state()).isEqualTo(ModelStatus.BUDGET_SPENT);
        assertThat(spent.until()).isEqualTo(Instant.parse("2026-11-29T00:00:00Z"));
        assertThat(spent.why())
                .isEqualTo("its budget per day on model:dear has $0.000500 left, less than a call holds");
        assertThat(spent.spendUsd()).isEqualTo(0.0045);
        assertThat(spent.tokensReserved()).isZero();
    }
}
