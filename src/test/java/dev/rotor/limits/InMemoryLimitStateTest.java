package dev.rotor.limits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.chat.LimitScope;
import dev.rotor.chat.headers.LimitReport;
import dev.rotor.chat.headers.LimitSignal;
import dev.rotor.models.ModelRegistry;
import dev.rotor.models.ModelRegistryLoader;
import dev.rotor.models.ModelSpec;
import dev.rotor.models.Unit;
import dev.rotor.support.FreePool;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The limit state, step by step, on a hand-moved clock. */
class InMemoryLimitStateTest {

    private static final Instant T0 = Instant.parse("2026-11-28T10:00:00Z");
    private static final ModelRegistry MODELS =
            ModelRegistryLoader.parse(new ByteArrayInputStream("""
            providers:
              openrouter: { base-url: "http://127.0.0.1:1/api/v1" }
            models:
              - { id: "a:free", provider: openrouter }
              - { id: "b:free", provider: openrouter }
              - { id: "paid", provider: openrouter, requests: 3, per: 10s }
              - { id: "open", provider: openrouter }
            """.getBytes(StandardCharsets.UTF_8)), "test");

    private final ModelSpec a = MODELS.model("a:free").orElseThrow();
    private final ModelSpec b = MODELS.model("b:free").orElseThrow();
    private final ModelSpec paid = MODELS.model("paid").orElseThrow();
    private Instant now = T0;

    private static InMemoryLimitState state(boolean learn) {
        return new InMemoryLimitState(MODELS, new LimitsConfig(true, learn), n -> Duration.ofSeconds(n));
    }

    private Instant at(long ms) {
        now = T0.plusMillis(ms);
        return now;
    }

    private static Optional<Permit> granted(Admission admission) {
        return admission instanceof Admission.Granted g ? Optional.of(g.permit()) : Optional.empty();
    }

    private static Instant notBefore(Admission admission) {
        return ((Admission.NotBefore) admission).at();
    }

    private static LimitReport retryAfterMs(long ms, Instant parsedAt) {
        return new LimitReport(List.of(), Optional.of(parsedAt.plusMillis(ms)), 1, true, List.of());
    }

    @Test
    void shouldSendOneProbeFirstWhenNothingIsKnownThenDoubleOnEachRoundOfSuccesses() {
        InMemoryLimitState limits = state(true);
        Permit probe = granted(limits.tryAcquire(a, at(0))).orElseThrow();
        // the probe's answer is awaited: no second call on the same scopes yet
        assertThat(limits.tryAcquire(b, now)).isInstanceOf(Admission.NotBefore.class);
        assertThat(notBefore(limits.tryAcquire(a, now))).isEqualTo(now.plusMillis(ScopeLimits.PROBE_RECHECK_MS));
        limits.succeeded(probe, at(20), LimitReport.EMPTY);
        List<Permit> second = new ArrayList<>();
        granted(limits.tryAcquire(a, now)).ifPresent(second::add);
        granted(limits.tryAcquire(a, now)).ifPresent(second::add);
        assertThat(second).hasSize(2);
        assertThat(limits.tryAcquire(a, now)).isInstanceOf(Admission.NotBefore.class);
        second.forEach(p -> limits.succeeded(p, at(40), LimitReport.EMPTY));
        int third = 0;
        while (granted(limits.tryAcquire(a, now)).isPresent()) {
            third++;
        }
        assertThat(third).isEqualTo(4);
    }

    @Test
    void shouldLetEveryCallGoWhenNotLearningAsBefore() {
        InMemoryLimitState limits = state(false);
        for (int i = 0; i < 50; i++) {
            assertThat(limits.tryAcquire(a, at(0))).isInstanceOf(Admission.Granted.class);
        }
        assertThat(limits.limitOf(a)).isEmpty();
    }

    @Test
    void shouldLearnTheSizeAndWindowOfASlidingLimitFromTheRunBeforeA429AndReleaseOnlyItsRoomAfter() {
        InMemoryLimitState limits = state(true);
        // a run of 6 successes, sent 100 ms apart, then the 7th is refused: "retry when the oldest leaves"
        List<Permit> sent = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            Permit p = granted(limits.tryAcquire(a, at(i * 100L))).orElseThrow();
            limits.succeeded(p, at(i * 100L + 10), LimitReport.EMPTY);
            sent.add(p);
        }
        Permit refused = granted(limits.tryAcquire(a, at(600))).orElseThrow();
        Instant until = limits.rateLimited(
                refused,
                at(610),
                LimitScope.PROVIDER_FREE_POOL,
                Optional.of(T0.plusMillis(2000)),
                retryAfterMs(1390, T0.plusMillis(610)));
        assertThat(until).isEqualTo(T0.plusMillis(2000));
        LimitView learned = limits.limitOf(a).orElseThrow();
        assertThat(learned.source()).isEqualTo(LimitSource.LEARNED);
        assertThat(learned.scope()).isEqualTo("pool:openrouter:free");
        assertThat(learned.requests()).isEqualTo(6);
        // counted from when the first success left to when the refused call left plus the span it was told
        assertThat(learned.window()).isEqualTo(Duration.ofMillis(600 + 1390));
        // the pool cools every free model until the oldest call leaves the window
        assertThat(notBefore(limits.tryAcquire(b, at(1000)))).isEqualTo(T0.plusMillis(2000));
        // then one slot at a time frees, not the whole window: the probe goes, the next waits for the next slot
        Permit probe = granted(limits.tryAcquire(b, at(2000))).orElseThrow();
        limits.succeeded(probe, at(2010), LimitReport.EMPTY);
        Admission next = limits.tryAcquire(b, at(2010));
        assertThat(next).isInstanceOf(Admission.NotBefore.class);
        assertThat(notBefore(next)).isEqualTo(T0.plusMillis(110 + 1990));
    }

    @Test
    void shouldLetARunAfterACooldownHoldOnlyTheLearnedSizeWhenTheWindowIsKnownOnlyToTheSecond() {
        InMemoryLimitState limits = state(true);
        ModelSpec open = MODELS.model("open").orElseThrow();
        for (int i = 0; i < 5; i++) {
            Permit p = granted(limits.tryAcquire(open, at(i * 10L))).orElseThrow();
            limits.succeeded(p, at(i * 10L + 5), LimitReport.EMPTY);
        }
        // the 6th is refused with "Retry-After: 2", whole seconds: too coarse to pace a 2 s window call by call
        Permit refused = granted(limits.tryAcquire(open, at(50))).orElseThrow();
        LimitReport wholeSeconds = new LimitReport(List.of(), Optional.of(T0.plusMillis(2055)), 1000, true, List.of());
        Instant until =
                limits.rateLimited(refused, at(55), LimitScope.MODEL, Optional.of(T0.plusMillis(2055)), wholeSeconds);
        LimitView learned = limits.limitOf(open).orElseThrow();
        assertThat(learned.requests()).isEqualTo(5);
        assertThat(learned.window()).isEqualTo(Duration.ofMillis(2050));
        // after the cooldown the run holds the 5 the last one held and one probe; the rest wait for the next window
        for (int i = 0; i < 4; i++) {
            Permit p = granted(limits.tryAcquire(open, at(until.toEpochMilli() - T0.toEpochMilli() + i)))
                    .orElseThrow();
            limits.succeeded(p, now, LimitReport.EMPTY);
        }
        Permit fifth = granted(limits.tryAcquire(open, now)).orElseThrow();
        Permit probe = granted(limits.tryAcquire(open, now)).orElseThrow();
        assertThat(notBefore(limits.tryAcquire(open, now))).isEqualTo(until.plusMillis(2050));
        // the fifth's success, the probe still on its way, shows nothing new
        limits.succeeded(fifth, now, LimitReport.EMPTY);
        assertThat(limits.limitOf(open).orElseThrow().requests()).isEqualTo(5);
        // the probe got in: runs hold one more, and the next window (counted from the same cooldown's end) lets 6
        // and a probe go
        limits.succeeded(probe, now, LimitReport.EMPTY);
        assertThat(limits.limitOf(open).orElseThrow().requests()).isEqualTo(6);
        Instant next = until.plusMillis(2050);
        for (int i = 0; i < 6; i++) {
            limits.succeeded(granted(limits.tryAcquire(open, next)).orElseThrow(), next, LimitReport.EMPTY);
        }
        Permit later = granted(limits.tryAcquire(open, next)).orElseThrow();
        assertThat(notBefore(limits.tryAcquire(open, next))).isEqualTo(next.plusMillis(2050));
        // a window counted on from the cooldown's end may have drifted into the provider's next: its probe grows
        // nothing
        limits.succeeded(later, next, LimitReport.EMPTY);
        assertThat(limits.limitOf(open).orElseThrow().requests()).isEqualTo(6);
    }

    @Test
    void shouldWaitForTheCallsSentBeforeA429ToAnswerBeforeLearningFromIt() {
        InMemoryLimitState limits = state(true);
        for (int i = 0; i < 2; i++) {
            limits.succeeded(
                    granted(limits.tryAcquire(a, at(i * 10L))).orElseThrow(), at(i * 10L + 5), LimitReport.EMPTY);
        }
        Permit x = granted(limits.tryAcquire(a, at(20))).orElseThrow();
        Permit y = granted(limits.tryAcquire(a, at(21))).orElseThrow();
        Permit z = granted(limits.tryAcquire(a, at(22))).orElseThrow();
        // the last is refused while the two before it are still on their way
        limits.rateLimited(
                z, at(30), LimitScope.PROVIDER_FREE_POOL, Optional.of(T0.plusMillis(1000)), retryAfterMs(970, now));
        assertThat(limits.limitOf(a)).isEmpty();
        limits.succeeded(x, at(40), LimitReport.EMPTY);
        assertThat(limits.limitOf(a)).isEmpty();
        limits.succeeded(y, at(45), LimitReport.EMPTY);
        assertThat(limits.limitOf(a).orElseThrow().requests()).isEqualTo(4);
    }

    @Test
    void shouldPaceByADeclaredLimitWithoutASlowStart() {
        InMemoryLimitState limits = state(true);
        for (int i = 0; i < 3; i++) {
            Permit p = granted(limits.tryAcquire(paid, at(i))).orElseThrow();
            limits.succeeded(p, at(i), LimitReport.EMPTY);
        }
        assertThat(notBefore(limits.tryAcquire(paid, at(5)))).isEqualTo(T0.plusMillis(10_000));
        assertThat(limits.limitOf(paid).orElseThrow())
                .isEqualTo(new LimitView("model:paid", 3, Duration.ofSeconds(10), LimitSource.DECLARED));
    }

    /** An IETF policy on a success: 10 per 60 s, 4 left. */
    private static LimitReport tenPerMinuteFourLeft() {
        LimitSignal policy = new LimitSignal(
                "ietf",
                Unit.REQUESTS,
                OptionalLong.of(10),
                OptionalLong.of(4),
                Optional.of(T0.plusSeconds(60)),
                Optional.of(Duration.ofSeconds(60)));
        return new LimitReport(List.of(policy), Optional.empty(), List.of());
    }

    @Test
    void shouldTakeTheSizeAndWindowAHeaderGivesOverALearnedOneAndCountOthersCalls() {
        InMemoryLimitState limits = state(true);
        ModelSpec open = MODELS.model("open").orElseThrow();
        Permit p = granted(limits.tryAcquire(open, at(0))).orElseThrow();
        // six calls of someone else's on the same account
        limits.succeeded(p, at(10), tenPerMinuteFourLeft());
        assertThat(limits.limitOf(open).orElseThrow())
                .isEqualTo(new LimitView("model:open", 10, Duration.ofSeconds(60), LimitSource.HEADER));
        // the room is known: no slow start
        int room = 0;
        while (room < 20 && granted(limits.tryAcquire(open, at(20))).isPresent()) {
            room++;
        }
        assertThat(room).isEqualTo(4);
    }

    @Test
    void shouldCountACallOnceWhenItsProcessReportsItAfterARemainingCountToldOfIt() {
        InMemoryLimitState limits = state(true);
        ModelSpec open = MODELS.model("open").orElseThrow();
        Permit p = granted(limits.tryAcquire(open, at(0))).orElseThrow();
        limits.succeeded(p, at(10), tenPerMinuteFourLeft());
        // the five others the count told of were another Rotor's on the same account, which now says so
        for (int i = 0; i < 5; i++) {
            long sent = T0.toEpochMilli() + 1 + i;
            limits.countAnotherProcessCall(new CallOutcome("open", sent, sent + 7, CallOutcome.Kind.SUCCEEDED));
        }
        int room = 0;
        while (room < 20 && granted(limits.tryAcquire(open, at(20))).isPresent()) {
            room++;
        }
        assertThat(room).as("ours, the five reported and four left: ten").isEqualTo(4);
    }

    @Test
    void shouldPaceADeclaredScopeByWhatWasDeclaredNotAlsoByALongerWindowAHeaderSuggests() {
        InMemoryLimitState limits = state(true);
        Permit p = granted(limits.tryAcquire(paid, at(0))).orElseThrow();
        // the provider says 3 per minute; the user declared 3 per 10 s and is taken at their word
        LimitSignal policy = new LimitSignal(
                "ietf",
                Unit.REQUESTS,
                OptionalLong.of(3),
                OptionalLong.of(2),
                Optional.of(T0.plusSeconds(60)),
                Optional.of(Duration.ofSeconds(60)));
        limits.succeeded(p, at(10), new LimitReport(List.of(policy), Optional.empty(), List.of()));
        granted(limits.tryAcquire(paid, at(20))).orElseThrow();
        granted(limits.tryAcquire(paid, at(30))).orElseThrow();
        assertThat(notBefore(limits.tryAcquire(paid, at(40)))).isBefore(T0.plusSeconds(11));
        assertThat(limits.limitOf(paid).orElseThrow().source()).isEqualTo(LimitSource.DECLARED);
    }

    @Test
    void shouldTakeTheDeclaredLimitOfTheGroupThatHoldsEveryFreeModelAsTheFreePoolsOwn() {
        InMemoryLimitState limits =
                new InMemoryLimitState(GROUPED, new LimitsConfig(true, true), n -> Duration.ofSeconds(n));
        assertThat(limits.paces(GROUPED.model("a:free").orElseThrow(), Instant.EPOCH))
                .filteredOn(p -> p.scope().equals("pool:openrouter:free"))
                .singleElement()
                .satisfies(p -> assertThat(p.quotas())
                        .containsExactly(
                                new ScopePace.Quota(Unit.REQUESTS, 2, Duration.ofSeconds(10), Long.MIN_VALUE)));
    }

    private static final ModelRegistry GROUPED = FreePool.MODELS;

    private static LimitReport pool(long remaining, long resetMs) {
        return FreePool.headers(remaining, T0.plusMillis(resetMs));
    }

    /** Sends on the model at {@code sentMs}, answered 5 ms later with the pool's headers. */
    private void call(InMemoryLimitState limits, ModelSpec m, long sentMs, long remaining, long resetMs) {
        Permit p = granted(limits.tryAcquire(m, at(sentMs))).orElseThrow();
        limits.succeeded(p, at(sentMs + 5), pool(remaining, resetMs));
    }

    @Test
    void shouldCountADeclaredQuotaInTheProvidersFixedWindowsOnceItsResetsLieAWholeWindowApart() {
        InMemoryLimitState limits =
                new InMemoryLimitState(GROUPED, new LimitsConfig(true, true), n -> Duration.ofSeconds(n));
        ModelSpec fa = GROUPED.model("a:free").orElseThrow();
        ModelSpec fb = GROUPED.model("b:free").orElseThrow();
        call(limits, fa, 0, 1, 10_000);
        call(limits, fb, 6, 0, 10_000);
        // one reset heard: windows unknown, so the quota slides; the first call, counted at 5, frees at 10 005
        assertThat(limits.blockedUntil(fa, at(10_000))).contains(T0.plusMillis(10_005));
        call(limits, fa, 10_005, 1, 20_000);
        call(limits, fb, 10_011, 0, 20_000);
        // two resets a window apart: fixed windows; the one that began at 20 000 holds nothing yet, so both go at once
        assertThat(limits.blockedUntil(fa, at(20_000))).isEmpty();
        granted(limits.tryAcquire(fa, now)).orElseThrow();
        granted(limits.tryAcquire(fb, now)).orElseThrow();
        assertThat(notBefore(limits.tryAcquire(fa, now))).isEqualTo(T0.plusMillis(30_000));
    }

    @Test
    void shouldKeepSlidingWhenResetsMoveWithEachCallAndAfterA429() {
        InMemoryLimitState limits =
                new InMemoryLimitState(GROUPED, new LimitsConfig(true, true), n -> Duration.ofSeconds(n));
        ModelSpec fa = GROUPED.model("a:free").orElseThrow();
        // a sliding window announces when its oldest call leaves it: resets 12 ms, then 9 993 ms apart fit no grid
        call(limits, fa, 0, 1, 10_003);
        call(limits, fa, 12, 0, 10_003);
        call(limits, fa, 10_005, 1, 10_015);
        call(limits, fa, 10_017, 0, 20_008);
        assertThat(limits.blockedUntil(fa, at(20_009))).contains(T0.plusMillis(20_010));

        InMemoryLimitState misread =
                new InMemoryLimitState(GROUPED, new LimitsConfig(true, true), n -> Duration.ofSeconds(n));
        call(misread, fa, 0, 1, 10_000);
        call(misread, fa, 6, 0, 10_000);
        call(misread, fa, 10_005, 1, 20_000);
        Permit refused = granted(misread.tryAcquire(fa, at(10_011))).orElseThrow();
        misread.rateLimited(
                refused,
                at(10_016),
                LimitScope.PROVIDER_FREE_POOL,
                Optional.of(T0.plusMillis(20_000)),
                LimitReport.EMPTY);
        // the 429 says the windows were not where they seemed: the quota slides again (the call counted at 10 010)
        Permit probe = granted(misread.tryAcquire(fa, at(20_000))).orElseThrow();
        misread.succeeded(probe, at(20_005), LimitReport.EMPTY);
        assertThat(misread.blockedUntil(fa, at(20_006))).contains(T0.plusMillis(20_010));
    }

    @Test
    void shouldCoolThePoolUntilTheResetWhenASuccessUsedUpTheWindow() {
        InMemoryLimitState limits = state(true);
        Permit p = granted(limits.tryAcquire(a, at(0))).orElseThrow();
        LimitSignal usedUp = new LimitSignal(
                "openrouter",
                Unit.REQUESTS,
                OptionalLong.of(20),
                OptionalLong.of(0),
                Optional.of(T0.plusSeconds(40)),
                Optional.empty());
        limits.succeeded(p, at(10), new LimitReport(List.of(usedUp), Optional.empty(), List.of()));
        assertThat(limits.cooldownUntil(b, now)).contains(T0.plusSeconds(40));
        assertThat(limits.blockedUntil(paid, now)).isEmpty();
    }

    @Test
    void shouldGuessACooldownByBackoffWhenA429SaysNothingAndKeepModelsGoneAndKeysRefused() {
        InMemoryLimitState limits = state(true);
        Permit p = granted(limits.tryAcquire(paid, at(0))).orElseThrow();
        assertThat(limits.rateLimited(p, at(10), LimitScope.MODEL, Optional.empty(), LimitReport.EMPTY))
                .isEqualTo(now.plusSeconds(1));
        limits.leaveRotation(a, "No endpoints found");
        limits.refuse("openrouter", "HTTP 401");
        assertThat(limits.leftRotation(a)).contains("No endpoints found");
        assertThat(limits.leftRotation(b)).isEmpty();
        assertThat(limits.refusal("openrouter")).contains("HTTP 401");
    }
}
