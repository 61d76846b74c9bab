package dev.rotor.rotation;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.chat.Failure;
import dev.rotor.chat.FailureKind;
import dev.rotor.chat.LimitScope;
import dev.rotor.chat.headers.LimitReport;
import dev.rotor.chat.headers.LimitSignal;
import dev.rotor.limits.InMemoryLimitState;
import dev.rotor.limits.LimitsConfig;
import dev.rotor.models.ModelRegistry;
import dev.rotor.models.ModelRegistryLoader;
import dev.rotor.models.ModelSpec;
import dev.rotor.models.Unit;
import dev.rotor.support.MutableClock;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class RotationPolicyTest {

    private static final Instant START = Instant.parse("2026-11-28T10:00:00Z");
    private static final String MODELS = """
            providers:
              openrouter: { base-url: "http://127.0.0.1:1/api/v1", api-key-env: KEY_A }
              local: { base-url: "http://127.0.0.1:2/v1", api-key-env: KEY_B }
            limit-groups:
              grouped: { requests-per-minute: 1000 }
            models:
              - { id: "a:free", provider: openrouter, limit-group: grouped }
              - { id: "b:free", provider: openrouter, limit-group: grouped }
              - { id: "c:free", provider: openrouter }
              - { id: "paid",   provider: openrouter }
              - { id: "local",  provider: local }
            chains:
              free: ["a:free", "b:free", "c:free"]
            """;

    private final MutableClock clock = new MutableClock(START);
    private final ModelRegistry registry =
            ModelRegistryLoader.parse(new ByteArrayInputStream(MODELS.getBytes(StandardCharsets.UTF_8)), "test");

    /**
     * A policy over the registry's limits with learning off: these tests are about the decisions over cooldowns,
     * windows and breakers; learned pacing and slow start have tests of their own (dev.rotor.limits).
     */
    private RotationPolicy policy(RotationConfig config) {
        return policy(registry, config, new LimitsConfig(true, false));
    }

    private RotationPolicy policy(ModelRegistry models, RotationConfig config, LimitsConfig limits) {
        return new RotationPolicy(
                models,
                config,
                new InMemoryLimitState(models, limits, n -> config.backoff().delay(n, 0.5)),
                clock,
                () -> 0.5);
    }

    /** A success's OpenRouter headers saying its window is used up until then. */
    private static LimitReport usedUpUntil(Instant reset) {
        return new LimitReport(
                List.of(new LimitSignal(
                        "openrouter",
                        Unit.REQUESTS,
                        OptionalLong.of(20),
                        OptionalLong.of(0),
                        Optional.of(reset),
                        Optional.empty())),
                Optional.empty(),
                List.of());
    }

    private final RotationPolicy policy = policy(RotationConfig.defaults());

    private ModelSpec model(String id) {
        return registry.model(id).orElseThrow();
    }

    private TaskProgress task() {
        return new TaskProgress("t", registry.models(), START.plus(Duration.ofMinutes(10)));
    }

    private TaskProgress task(String chain) {
        return new TaskProgress("t", registry.chain(chain).orElseThrow(), START.plus(Duration.ofMinutes(10)));
    }

    private static ModelSpec used(Selection s) {
        return use(s).model();
    }

    /** The model of a selection whose call is answered at once with a success. */
    private static ModelSpec answered(RotationPolicy p, Selection s) {
        p.onSuccess(use(s).permit(), Duration.ZERO, LimitReport.EMPTY);
        return use(s).model();
    }

    private static Selection.Use use(Selection s) {
        assertThat(s).isInstanceOf(Selection.Use.class);
        return (Selection.Use) s;
    }

    private static Failure rateLimited(LimitScope scope, Instant until) {
        return new Failure(FailureKind.RATE_LIMITED, 429, "rate limited", scope, Optional.ofNullable(until));
    }

    private static Failure of(FailureKind kind, int status) {
        return Failure.of(kind, status, kind.label());
    }

    /** Selects, then fails the call with the given failure: one whole attempt. */
    private Decision attempt(TaskProgress task, Failure failure) {
        Selection.Use u = use(policy.select(task));
        task.record(
                new Attempt(u.model().id(), failure.kind().label(), failure.httpStatus(), 1, clock.instant(), null));
        return policy.onFailure(task, u.permit(), failure);
    }

    @Nested
    class Priority {

        @Test
        void shouldTakeTheHighestPriorityModelWhenAllAreAvailable() {
            assertThat(used(policy.select(task()))).isEqualTo(model("a:free"));
        }

        @Test
        void shouldRotateAtOnceAfterA429AndComeBackWhenTheCooldownEnds() {
            TaskProgress t = task();
            Decision d = attempt(t, rateLimited(LimitScope.MODEL, START.plusSeconds(30)));
            assertThat(d).isEqualTo(new Decision.Retry(Duration.ZERO, d instanceof Decision.Retry r ? r.why() : ""));
            Selection next = policy.select(t);
            assertThat(used(next)).isEqualTo(model("b:free"));
            assertThat(((Selection.Use) next).rotated()).isTrue();
            assertThat(t.rotations()).isEqualTo(1);

            clock.advance(Duration.ofSeconds(29));
            assertThat(used(policy.select(task()))).isEqualTo(model("b:free"));
            clock.advance(Duration.ofSeconds(1));
            assertThat(used(policy.select(task()))).isEqualTo(model("a:free"));
        }

        @Test
        void shouldCoolTheDeclaredLimitGroupWhenA429DoesNotNameItsScope() {
            attempt(task(), rateLimited(LimitScope.UNSPECIFIED, START.plusSeconds(30)));
            assertThat(policy.cooldownUntil(model("a:free"))).contains(START.plusSeconds(30));
            assertThat(policy.cooldownUntil(model("b:free"))).contains(START.plusSeconds(30));
            assertThat(policy.cooldownUntil(model("c:free"))).isEmpty();
            assertThat(used(policy.select(task()))).isEqualTo(model("c:free"));
        }

        @Test
        void shouldCoolEveryFreeModelOfTheProviderWhenOpenRoutersFreePoolIsExhausted() {
            attempt(task(), rateLimited(LimitScope.PROVIDER_FREE_POOL, START.plusSeconds(60)));
            assertThat(policy.cooldownUntil(model("c:free"))).contains(START.plusSeconds(60));
            assertThat(policy.cooldownUntil(model("paid"))).isEmpty();
            assertThat(used(policy.select(task()))).isEqualTo(model("paid"));
        }

        @Test
        void shouldCoolOnlyTheModelWhenTheLimitIsAnUpstreamProvidersOwn() {
            attempt(task(), rateLimited(LimitScope.MODEL, START.plusSeconds(60)));
            assertThat(policy.cooldownUntil(model("b:free"))).isEmpty();
        }

        @Test
        void shouldParkAModelUntilADailyResetHours() {
            Instant tomorrow = START.plus(Duration.ofHours(14));
            attempt(task(), rateLimited(LimitScope.MODEL, tomorrow));
            clock.advance(Duration.ofHours(13));
            assertThat(used(policy.select(task()))).isEqualTo(model("b:free"));
            clock.advance(Duration.ofHours(1));
            assertThat(used(policy.select(task()))).isEqualTo(model("a:free"));
        }

        @Test
        void shouldBackOffExponentiallyPerModelWhenA429GivesNoResetTime() {
            attempt(task(), rateLimited(LimitScope.MODEL, null));
            assertThat(policy.cooldownUntil(model("a:free"))).contains(START.plusSeconds(1));
            clock.advance(Duration.ofSeconds(1));
            attempt(task(), rateLimited(LimitScope.MODEL, null));
            assertThat(policy.cooldownUntil(model("a:free"))).contains(START.plusSeconds(1 + 2));
        }

        @Test
        void shouldWaitForTheEarliestModelWhenTheWholeChainIsCoolingDown() {
            TaskProgress t = task("free");
            attempt(t, rateLimited(LimitScope.MODEL, START.plusSeconds(50)));
            attempt(t, rateLimited(LimitScope.MODEL, START.plusSeconds(20)));
            attempt(t, rateLimited(LimitScope.MODEL, START.plusSeconds(35)));
            Selection s = policy.select(t);
            assertThat(s).isEqualTo(new Selection.Wait(START.plusSeconds(20)));
            Decision d = policy.waitFor(t, (Selection.Wait) s);
            assertThat(((Decision.Retry) d).delay()).isBetween(Duration.ofSeconds(20), Duration.ofMillis(20_100));
            clock.advance(Duration.ofSeconds(20));
            assertThat(used(policy.select(t))).isEqualTo(model("b:free"));
        }

        @Test
        void shouldGiveUpWithDeadlineWhenNoModelFreesBeforeTheTaskDeadline() {
            TaskProgress t = new TaskProgress("t", registry.chain("free").orElseThrow(), START.plusSeconds(10));
            for (int i = 0; i < 3; i++) {
                attempt(t, rateLimited(LimitScope.MODEL, START.plusSeconds(60)));
            }
            Decision d = policy.waitFor(t, (Selection.Wait) policy.select(t));
            assertThat(d).isInstanceOf(Decision.GiveUp.class);
            assertThat(((Decision.GiveUp) d).type()).isEqualTo(DeadLetterType.DEADLINE);
        }

        @Test
        void shouldPaceCallsByADeclaredLimitWithoutWaitingForA429() {
            ModelRegistry declared =
                    ModelRegistryLoader.parse(new ByteArrayInputStream("""
                    providers: { p: { base-url: "http://127.0.0.1:1" } }
                    models:
                      - { id: first, provider: p, requests-per-minute: 2 }
                      - { id: second, provider: p }
                    """.getBytes(StandardCharsets.UTF_8)), "test");
            RotationPolicy paced = policy(declared, RotationConfig.defaults(), new LimitsConfig(true, false));
            TaskProgress t = new TaskProgress("t", declared.models(), START.plusSeconds(600));
            assertThat(answered(paced, paced.select(t)).id()).isEqualTo("first");
            assertThat(answered(paced, paced.select(t)).id()).isEqualTo("first");
            assertThat(answered(paced, paced.select(t)).id()).isEqualTo("second");
            clock.advance(Duration.ofSeconds(60));
            assertThat(answered(paced, paced.select(t)).id()).isEqualTo("first");

            RotationPolicy learning = policy(declared, RotationConfig.defaults(), new LimitsConfig(false, false));
            for (int i = 0; i < 5; i++) {
                assertThat(used(learning.select(t)).id()).isEqualTo("first");
            }
        }

        @Test
        void shouldPaceAGroupQuotaOverAWindowOfSecondsAndSayWhenItFrees() {
            ModelRegistry declared =
                    ModelRegistryLoader.parse(new ByteArrayInputStream("""
                    providers: { p: { base-url: "http://127.0.0.1:1" } }
                    limit-groups: { free: { requests: 2, per: 2s } }
                    models:
                      - { id: a-free, provider: p, limit-group: free }
                      - { id: b-free, provider: p, limit-group: free }
                    """.getBytes(StandardCharsets.UTF_8)), "test");
            RotationPolicy paced = policy(declared, RotationConfig.defaults(), new LimitsConfig(true, false));
            TaskProgress t = new TaskProgress("t", declared.models(), START.plusSeconds(600));
            assertThat(answered(paced, paced.select(t)).id()).isEqualTo("a-free");
            clock.advance(Duration.ofMillis(500));
            assertThat(answered(paced, paced.select(t)).id()).isEqualTo("a-free");
            assertThat(paced.select(t)).isEqualTo(new Selection.Wait(START.plusSeconds(2)));
            clock.advance(Duration.ofMillis(1500));
            assertThat(answered(paced, paced.select(t)).id()).isEqualTo("a-free");
            assertThat(paced.select(t)).isEqualTo(new Selection.Wait(START.plusMillis(2500)));
        }

        @Test
        void shouldCountACallStillOnItsWayAsIfItReachedTheProviderAShortSkewAfterItLeft() {
            ModelRegistry declared =
                    ModelRegistryLoader.parse(new ByteArrayInputStream("""
                    providers: { p: { base-url: "http://127.0.0.1:1" } }
                    models:
                      - { id: only, provider: p, requests: 1, per: 2s }
                    """.getBytes(StandardCharsets.UTF_8)), "test");
            RotationPolicy paced = policy(declared, RotationConfig.defaults(), new LimitsConfig(true, false));
            TaskProgress t = new TaskProgress("t", declared.models(), START.plusSeconds(600));
            used(paced.select(t));
            // unanswered, it may have reached the provider's counter up to the skew later than it left
            assertThat(paced.select(t)).isEqualTo(new Selection.Wait(START.plusMillis(2250)));
        }

        @Test
        void shouldKeepBackingOffWhenTheModelToRotateFromIsTheOnlyOneFree() {
            TaskProgress t = new TaskProgress("t", List.of(model("a:free"), model("paid")), START.plusSeconds(600));
            TaskProgress other = new TaskProgress("o", List.of(model("paid")), START.plusSeconds(600));
            attempt(other, rateLimited(LimitScope.MODEL, START.plusSeconds(300)));
            attempt(t, of(FailureKind.TRANSIENT, 500));
            attempt(t, of(FailureKind.TRANSIENT, 502));
            Decision third = attempt(t, of(FailureKind.TRANSIENT, 503));
            assertThat(((Decision.Retry) third).delay()).isEqualTo(Duration.ofSeconds(4));
            assertThat(((Decision.Retry) third).why()).contains("no other model is free");
            assertThat(used(policy.select(t))).isEqualTo(model("a:free"));
        }

        @Test
        void shouldRetryTheSameModelWithBackoffOnTransientFailuresThenRotate() {
            TaskProgress t = task();
            Decision first = attempt(t, of(FailureKind.TRANSIENT, 500));
            assertThat(((Decision.Retry) first).delay()).isEqualTo(Duration.ofSeconds(1));
            Decision second = attempt(t, of(FailureKind.TRANSIENT, 502));
            assertThat(((Decision.Retry) second).delay()).isEqualTo(Duration.ofSeconds(2));
            Decision third = attempt(t, of(FailureKind.TRANSIENT, 503));
            assertThat(((Decision.Retry) third).delay()).isZero();
            assertThat(t.attempts()).extracting(Attempt::model).containsOnly("a:free");
            assertThat(used(policy.select(t))).isEqualTo(model("b:free"));
        }

        @Test
        void shouldHonourALongerRetryAfterOnATransientFailure() {
            Failure busy = new Failure(
                    FailureKind.TRANSIENT, 503, "busy", LimitScope.UNSPECIFIED, Optional.of(START.plusSeconds(9)));
            assertThat(((Decision.Retry) attempt(task(), busy)).delay()).isEqualTo(Duration.ofSeconds(9));
        }

        @Test
        void shouldCoolTheFreePoolWhenAFreeModelsSuccessUsedUpTheWindow() {
            Selection.Use a = use(policy.select(task()));
            policy.onSuccess(a.permit(), Duration.ofMillis(5), usedUpUntil(START.plusSeconds(40)));
            assertThat(used(policy.select(task()))).isEqualTo(model("paid"));
            clock.advance(Duration.ofSeconds(40));
            assertThat(used(policy.select(task()))).isEqualTo(model("a:free"));
        }

        @Test
        void shouldCoolOnlyThePaidModelWhenItsSuccessUsedUpTheWindow() {
            TaskProgress paidFirst =
                    new TaskProgress("t", List.of(model("paid"), model("c:free")), START.plusSeconds(600));
            Selection.Use paid = use(policy.select(paidFirst));
            policy.onSuccess(paid.permit(), Duration.ofMillis(5), usedUpUntil(START.plusSeconds(40)));
            assertThat(used(policy.select(paidFirst))).isEqualTo(model("c:free"));
        }
    }

    @Nested
    class NotRetried {

        @Test
        void shouldDeadLetterABadRequestAtOnce() {
            Decision d = attempt(task(), of(FailureKind.BAD_REQUEST, 400));
            assertThat(d).isInstanceOf(Decision.GiveUp.class);
            assertThat(((Decision.GiveUp) d).type()).isEqualTo(DeadLetterType.BAD_REQUEST);
        }

        @Test
        void shouldMoveOnToTheNextModelWhenThePromptIsTooLongForOne() {
            TaskProgress t = task("free");
            assertThat(((Decision.Retry) attempt(t, of(FailureKind.CONTEXT_TOO_LONG, 400))).delay())
                    .isZero();
            assertThat(used(policy.select(t))).isEqualTo(model("b:free"));
            attempt(t, of(FailureKind.CONTEXT_TOO_LONG, 400));
            attempt(t, of(FailureKind.CONTEXT_TOO_LONG, 400));
            Selection s = policy.select(t);
            assertThat(s).isInstanceOf(Selection.GiveUp.class);
            assertThat(((Selection.GiveUp) s).type()).isEqualTo(DeadLetterType.BAD_REQUEST);
            // other tasks still use those models
            assertThat(used(policy.select(task()))).isEqualTo(model("a:free"));
        }

        @Test
        void shouldDeadLetterAnAuthFailureAtOnceAndSpareTheProviderForOtherTasks() {
            Decision d = attempt(task(), of(FailureKind.AUTH, 401));
            assertThat(((Decision.GiveUp) d).type()).isEqualTo(DeadLetterType.AUTH);
            assertThat(((Decision.GiveUp) d).reason()).contains("openrouter").contains("KEY_A");
            // a task whose chain is all on that provider gives up without a call
            Selection s = policy.select(task("free"));
            assertThat(((Selection.GiveUp) s).type()).isEqualTo(DeadLetterType.AUTH);
            // one with a model elsewhere goes there
            assertThat(used(policy.select(task()))).isEqualTo(model("local"));
        }

        @Test
        void shouldCoolAModelDownForTheConfiguredTimeAfterA402AndRotate() {
            TaskProgress t = task();
            assertThat(((Decision.Retry) attempt(t, of(FailureKind.PAYMENT, 402))).delay())
                    .isZero();
            assertThat(policy.cooldownUntil(model("a:free")))
                    .contains(START.plus(RotationConfig.DEFAULT_PAYMENT_COOLDOWN));
            assertThat(used(policy.select(t))).isEqualTo(model("b:free"));
        }

        @Test
        void shouldTakeAModelThatIsGoneOutOfTheRotationAndExhaustWhenNoneIsLeft() {
            TaskProgress t = task("free");
            attempt(t, of(FailureKind.MODEL_GONE, 404));
            assertThat(policy.isGone(model("a:free"))).isTrue();
            assertThat(used(policy.select(task()))).isEqualTo(model("b:free"));
            attempt(t, of(FailureKind.MODEL_GONE, 404));
            attempt(t, of(FailureKind.MODEL_GONE, 404));
            Selection s = policy.select(t);
            assertThat(((Selection.GiveUp) s).type()).isEqualTo(DeadLetterType.EXHAUSTED);
            assertThat(((Selection.GiveUp) s).reason()).contains("left the rotation");
        }

        @Test
        void shouldGiveUpAfterMaxAttempts() {
            RotationPolicy few = policy(RotationConfig.builder().maxAttempts(2).build());
            TaskProgress t = task();
            Selection.Use m = use(few.select(t));
            t.record(new Attempt(m.model().id(), "transient", 500, 1, START, null));
            assertThat(few.onFailure(t, m.permit(), of(FailureKind.TRANSIENT, 500)))
                    .isInstanceOf(Decision.Retry.class);
            t.record(new Attempt(m.model().id(), "transient", 500, 1, START, null));
            Decision d = few.onFailure(t, m.permit(), of(FailureKind.TRANSIENT, 500));
            assertThat(((Decision.GiveUp) d).type()).isEqualTo(DeadLetterType.EXHAUSTED);
            assertThat(((Decision.GiveUp) d).reason()).contains("after 2 calls");
        }
    }

    @Nested
    class CircuitBreaker_ {

        private final RotationPolicy breaking = policy(RotationConfig.builder()
                .breakerThreshold(3)
                .rotateAfter(10)
                .breakerWait(Duration.ofSeconds(30))
                .build());

        private void fail(ModelSpec expected) {
            TaskProgress t = task();
            Selection.Use m = use(breaking.select(t));
            assertThat(m.model()).isEqualTo(expected);
            breaking.onFailure(t, m.permit(), of(FailureKind.TRANSIENT, 500));
        }

        @Test
        void shouldOpenAfterThresholdConsecutiveFailuresThenProbeAndCloseOnSuccess() {
            ModelSpec a = model("a:free");
            fail(a);
            fail(a);
            assertThat(breaking.breakerState(a)).isEqualTo(CircuitBreaker.State.CLOSED);
            fail(a);
            assertThat(breaking.breakerState(a)).isEqualTo(CircuitBreaker.State.OPEN);
            assertThat(breaking.isAvailable(a)).isFalse();
            assertThat(used(breaking.select(task()))).isEqualTo(model("b:free"));

            clock.advance(Duration.ofSeconds(31));
            TaskProgress probe = task();
            Selection.Use probing = use(breaking.select(probe));
            assertThat(probing.model()).isEqualTo(a);
            assertThat(breaking.breakerState(a)).isEqualTo(CircuitBreaker.State.HALF_OPEN);
            // only one probe at a time
            assertThat(used(breaking.select(task()))).isEqualTo(model("b:free"));
            breaking.onSuccess(probing.permit(), Duration.ofMillis(10), LimitReport.EMPTY);
            assertThat(breaking.breakerState(a)).isEqualTo(CircuitBreaker.State.CLOSED);
            assertThat(used(breaking.select(task()))).isEqualTo(a);
        }

        @Test
        void shouldReopenWhenTheProbeFails() {
            ModelSpec a = model("a:free");
            fail(a);
            fail(a);
            fail(a);
            clock.advance(Duration.ofSeconds(31));
            fail(a);
            assertThat(breaking.breakerState(a)).isEqualTo(CircuitBreaker.State.OPEN);
            TaskProgress chainOfA = new TaskProgress("t", List.of(a), START.plusSeconds(600));
            assertThat(breaking.select(chainOfA))
                    .isEqualTo(new Selection.Wait(START.plusSeconds(61).plusMillis(1)));
        }

        @Test
        void shouldNotCountRateLimitsAsBreakerFailures() {
            ModelSpec a = model("a:free");
            for (int i = 0; i < 5; i++) {
                TaskProgress t = task();
                Selection.Use m = use(breaking.select(t));
                breaking.onFailure(
                        t,
                        m.permit(),
                        rateLimited(LimitScope.MODEL, clock.instant().plusMillis(1)));
                clock.advance(Duration.ofMillis(2));
            }
            assertThat(breaking.breakerState(a)).isEqualTo(CircuitBreaker.State.CLOSED);
        }
    }

    @Nested
    class Sticky {

        private final RotationPolicy sticky =
                policy(RotationConfig.builder().strategy(Strategy.STICKY).build());

        @Test
        void shouldStayOnTheCurrentModelThroughRateLimitsUntilRotateAfterFailures() {
            TaskProgress t = task();
            for (int i = 1; i <= 3; i++) {
                Selection.Use m = use(sticky.select(t));
                assertThat(m.model()).isEqualTo(model("a:free"));
                t.record(new Attempt(m.model().id(), "rate_limited", 429, 1, START, null));
                Decision d = sticky.onFailure(t, m.permit(), rateLimited(LimitScope.MODEL, START.plusSeconds(3600)));
                // the prototype sleeps its backoff on every retry: 1 s, 2 s, 4 s
                assertThat(((Decision.Retry) d).delay()).isEqualTo(Duration.ofSeconds(1L << (i - 1)));
            }
            assertThat(used(sticky.select(t))).isEqualTo(model("b:free"));
            assertThat(sticky.nextModel()).contains(model("b:free"));
        }

        @Test
        void shouldWrapAroundAfterTheLastModel() {
            TaskProgress t = new TaskProgress("t", registry.models(), START.plus(Duration.ofDays(1)));
            RotationPolicy s = policy(RotationConfig.builder()
                    .strategy(Strategy.STICKY)
                    .rotateAfter(1)
                    .maxAttempts(100)
                    .build());
            for (int i = 0; i < registry.models().size(); i++) {
                Selection.Use m = use(s.select(t));
                t.record(new Attempt(m.model().id(), "transient", 500, 1, START, null));
                s.onFailure(t, m.permit(), of(FailureKind.TRANSIENT, 500));
            }
            assertThat(used(s.select(t))).isEqualTo(model("a:free"));
        }
    }
}
