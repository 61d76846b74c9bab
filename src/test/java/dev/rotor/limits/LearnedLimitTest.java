package dev.rotor.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.rotor.chat.headers.LimitSignal;
import dev.rotor.models.Unit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The estimator's rules, one by one, with times in ms. */
class LearnedLimitTest {

    private static final SendCounts NONE = (from, to) -> 0;

    private final List<String> changes = new ArrayList<>();

    private LearnedLimit limit() {
        return new LearnedLimit(changes::add);
    }

    /** A 429 of a call sent at {@code sentMs}, answered 5 ms later, saying "back at untilMs". */
    private static LimitReached refusal(long sentMs, long untilMs, boolean fromSend, long precisionMs) {
        return new LimitReached(sentMs, sentMs + 5, untilMs, precisionMs, true, fromSend, true);
    }

    /**
     * A run of {@code n} successes sent from {@code fromMs} 10 ms apart, then a 429 saying "back at untilMs", learned
     * once its calls have their answers. True if it changed the estimate.
     */
    private boolean run(LearnedLimit l, long fromMs, int n, long untilMs, boolean fromSend, long precisionMs) {
        for (int i = 0; i < n; i++) {
            l.sent(fromMs + 10L * i);
            l.succeeded(fromMs + 10L * i, fromMs + 10L * i + 5, 1);
        }
        long refusedAt = fromMs + 10L * n;
        l.sent(refusedAt);
        int before = changes.size();
        l.reached(refusal(refusedAt, untilMs, fromSend, precisionMs), NONE);
        l.learnWhenAnswered(0, NONE);
        return changes.size() > before;
    }

    @Test
    void shouldLearnTheFirstRunsSuccessesPerTheSpanFromItsFirstSuccessToTheReset() {
        LearnedLimit l = limit();
        assertThat(run(l, 1_000, 30, 3_000, true, 1)).isTrue();
        assertThat(l.size()).isEqualTo(30);
        assertThat(l.windowMs()).isEqualTo(2_000);
        assertThat(l.confirmed()).isFalse();
        assertThat(l.pace()).isEqualTo(LearnedLimit.Pace.CALL_BY_CALL);
        assertThat(changes).containsExactly("the calls before a 429 answered");
    }

    @Test
    void shouldPaceByRunsAWindowOfSecondsLearnedFromWholeSecondResets() {
        LearnedLimit l = limit();
        run(l, 0, 10, 2_000, true, 1000);
        assertThat(l.known()).isTrue();
        assertThat(l.pace()).isEqualTo(LearnedLimit.Pace.BY_RUNS);
        LearnedLimit minute = limit();
        run(minute, 0, 20, 60_000, true, 1000);
        assertThat(minute.pace()).isEqualTo(LearnedLimit.Pace.CALL_BY_CALL);
    }

    @Test
    void shouldShrinkASizeKnownOnlyToTheSecondWhenARunThatBeganAsTheScopeFreedGotFewerIn() {
        LearnedLimit l = limit();
        // a first run that straddled two of the provider's windows: 17 in before a whole-second Retry-After
        run(l, 0, 17, 2_000, true, 1000);
        assertThat(l.size()).isEqualTo(17);
        assertThat(l.pace()).isEqualTo(LearnedLimit.Pace.BY_RUNS);
        // the next run began as the scope freed and met the limit after 10
        assertThat(run(l, 2_000, 10, 4_000, true, 1000)).isTrue();
        assertThat(l.size()).isEqualTo(10);
        assertThat(changes).contains("a run from the reset got only 10 in");
    }

    @Test
    void shouldShrinkTheBurstButKeepTheRateOnARunAfterACooldownThatWasOnlyGuessed() {
        LearnedLimit l = limit();
        run(l, 0, 17, 2_000, true, 1000);
        long windowBefore = l.windowMs();
        // the 429 said nothing: its cooldown of 0.9 s was guessed by backoff, and tells nothing of the provider's reset
        for (int i = 0; i < 10; i++) {
            l.sent(2_000 + 10L * i);
            l.succeeded(2_000 + 10L * i, 2_005 + 10L * i, 1);
        }
        l.sent(2_100);
        l.reached(new LimitReached(2_100, 2_105, 3_000, 900, true, false, false), NONE);
        l.learnWhenAnswered(0, NONE);
        // towards the 10 that got in, by half at most; the window shortens with it, so the rate stays
        assertThat(l.size()).isEqualTo(10);
        assertThat((double) l.size() / l.windowMs()).isCloseTo(17.0 / windowBefore, within(0.001));
    }

    @Test
    void shouldConfirmTheWindowFromTheRateOfRunsThatBeganAsTheScopeFreed() {
        LearnedLimit l = limit();
        // entered a fixed window of 30 per 2 s half way: the first guess is 30 per about 1 s (from the first
        // success's answer, at 1,005, to the reset)
        run(l, 1_000, 30, 2_000, false, 1);
        assertThat(l.windowMs()).isEqualTo(995);
        // the next window, from its reset: 30 more, then refused until the reset after
        SendCounts thirty = (from, to) -> 30;
        for (int i = 0; i < 30; i++) {
            l.sent(2_000 + i);
            l.succeeded(2_000 + i, 2_010 + i, 1);
        }
        l.reached(new LimitReached(2_500, 2_505, 4_000, 1, true, false, true), thirty);
        l.learnWhenAnswered(0, thirty);
        assertThat(l.confirmed()).isTrue();
        assertThat(l.windowMs()).isEqualTo(2_000);
        assertThat(changes).last().isEqualTo("the rate of the runs from each reset");
    }

    @Test
    void shouldPaceCallByCallOnceARateMeasuredOverManyWindowsMakesWholeSecondResetsPreciseEnough() {
        LearnedLimit l = limit();
        // a fixed window of 10 per 2 s, entered part-way, its resets known to the second
        run(l, 1_000, 10, 2_000, false, 1000);
        assertThat(l.pace()).isEqualTo(LearnedLimit.Pace.BY_RUNS);
        SendCounts ten = (from, to) -> 10;
        long reset = 2_000;
        int windows = 0;
        while (!l.confirmed() && windows < 20) {
            for (int i = 0; i < 10; i++) {
                l.sent(reset + i);
                l.succeeded(reset + i, reset + 10 + i, 1);
            }
            l.sent(reset + 100);
            l.reached(new LimitReached(reset + 100, reset + 105, reset + 2_000, 1000, true, false, true), ten);
            l.learnWhenAnswered(0, ten);
            reset += 2_000;
            windows++;
        }
        assertThat(l.pace()).isEqualTo(LearnedLimit.Pace.CALL_BY_CALL);
        assertThat(l.windowMs()).isEqualTo(2_000);
        assertThat(windows).as("windows measured").isGreaterThanOrEqualTo(5);
    }

    @Test
    void shouldLetAHeadersSizeAndWindowWinOverWhatWasLearned() {
        LearnedLimit l = limit();
        run(l, 0, 12, 1_500, true, 1);
        l.announced(new LimitSignal(
                "ietf",
                Unit.REQUESTS,
                OptionalLong.of(100),
                OptionalLong.empty(),
                Optional.empty(),
                Optional.of(Duration.ofSeconds(60))));
        assertThat(l.view("model:m").orElseThrow())
                .isEqualTo(new LimitView("model:m", 100, Duration.ofSeconds(60), LimitSource.HEADER));
        assertThat(l.confirmed()).isTrue();
        assertThat(changes).last().isEqualTo("headers of an answer (ietf)");
    }

    @Test
    void shouldGrowOneCallAWindowAfterASpanAtThePaceAndUndoItOnA429() {
        LearnedLimit l = limit();
        run(l, 0, 10, 2_000, true, 1);
        long window = l.windowMs();
        // the pace held calls back for the growth span: one more call per window
        l.heldBackForRoom();
        l.growIfDue(2 * LearnedLimit.GROWTH_WINDOWS * window);
        assertThat(l.windowMs()).isEqualTo(Math.round(window * 10.0 / 11));
        // a 429 at the grown pace undoes it
        l.sent(20_000);
        l.reached(refusal(20_000, 21_000, true, 1), NONE);
        l.learnWhenAnswered(0, NONE);
        assertThat(l.windowMs()).isEqualTo(window);
    }

    @Test
    void shouldGrowTwiceTheStepAtOnceWhileGrowthsHoldAndTheyStillHoldCallsBack() {
        LearnedLimit l = limit();
        run(l, 0, 12, 2_000, true, 1);
        long window = l.windowMs();
        long span = LearnedLimit.GROWTH_WINDOWS * window;
        long at = 2 * span;
        l.heldBackForRoom();
        l.growIfDue(at);
        long first = l.windowMs();
        assertThat(first).isEqualTo(Math.round(window * 12.0 / 13));
        // the trial held, and the pace still held calls back: the next growth at once, two calls a window
        l.heldBackForRoom();
        at += span;
        l.growIfDue(at);
        long second = l.windowMs();
        assertThat(second).isEqualTo(Math.round(first * 12.0 / 14));
        // the step is at most a quarter of the size (3 of 12)
        l.heldBackForRoom();
        at += span;
        l.growIfDue(at);
        assertThat(l.windowMs()).isEqualTo(Math.round(second * 12.0 / 15));
        // a trial whose pace held nothing back keeps the growth and waits: no growth on demand alone
        long third = l.windowMs();
        at += span;
        l.growIfDue(at);
        assertThat(l.windowMs()).isEqualTo(third);
    }

    @Test
    void shouldLearnNothingFromA429OfACallThatWasOnItsWayWhenTheLastOneTaught() {
        LearnedLimit l = limit();
        run(l, 0, 10, 2_000, true, 1);
        long window = l.windowMs();
        int before = changes.size();
        // sent at 50, before the 429 that taught came back at 105
        l.reached(new LimitReached(50, 120, 5_000, 1, true, true, true), NONE);
        l.learnWhenAnswered(0, NONE);
        assertThat(l.windowMs()).isEqualTo(window);
        assertThat(changes).hasSize(before);
    }

    @Test
    void shouldLearnATokenLimitFromTheTokensThatGotInBeforeA429() {
        LearnedLimit l = limit();
        l.sent(0);
        l.succeeded(0, 5, 4_000);
        l.sent(10);
        l.succeeded(10, 15, 5_000);
        l.sent(20);
        l.reached(refusal(20, 3_000, true, 1), NONE);
        l.learnWhenAnswered(0, NONE);
        assertThat(l.size()).isEqualTo(9_000);
        assertThat(l.windowMs()).isEqualTo(3_000);
    }
}
