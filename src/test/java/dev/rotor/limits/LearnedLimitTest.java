package dev.rotor.limits;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The estimator's rules, one by one, with times in ms. */
class LearnedLimitTest {

    private static final LearnedLimit.SuccessCount NONE = (from, to) -> 0;

    /** A run of {@code n} successes sent from {@code fromMs} 10 ms apart, then a 429 saying "back at untilMs". */
    private static boolean run(LearnedLimit l, long fromMs, int n, long untilMs, boolean fromSend, long precisionMs) {
        for (int i = 0; i < n; i++) {
            l.sent(fromMs + 10L * i);
            l.succeeded(fromMs + 10L * i, fromMs + 10L * i + 5);
        }
        long refusedAt = fromMs + 10L * n;
        l.sent(refusedAt);
        l.full(refusedAt, refusedAt + 5, untilMs, true, fromSend, precisionMs, w -> n, NONE);
        return l.learnIfAnswered(0, w -> n, NONE);
    }

    @Test
    void shouldLearnTheFirstRunsSuccessesPerTheSpanFromItsFirstSuccessToTheReset() {
        LearnedLimit l = new LearnedLimit();
        assertThat(run(l, 1_000, 30, 3_000, true, 1)).isTrue();
        assertThat(l.size()).isEqualTo(30);
        assertThat(l.windowMs()).isEqualTo(2_000);
        assertThat(l.confirmed()).isFalse();
        assertThat(l.trusted()).isTrue();
    }

    @Test
    void shouldNotPaceByAWindowOfSecondsLearnedFromWholeSecondResets() {
        LearnedLimit l = new LearnedLimit();
        run(l, 0, 10, 2_000, true, 1000);
        assertThat(l.known()).isTrue();
        assertThat(l.trusted()).isFalse();
        LearnedLimit minute = new LearnedLimit();
        run(minute, 0, 20, 60_000, true, 1000);
        assertThat(minute.trusted()).isTrue();
    }

    @Test
    void shouldConfirmTheWindowFromTheRateOfRunsThatBeganAsTheScopeFreed() {
        LearnedLimit l = new LearnedLimit();
        // entered a fixed window of 30 per 2 s half way: the first guess is 30 per about 1 s (from the first
        // success's answer, at 1,005, to the reset)
        run(l, 1_000, 30, 2_000, false, 1);
        assertThat(l.windowMs()).isEqualTo(995);
        // the next window, from its reset: 30 more, then refused until the reset after
        LearnedLimit.SuccessCount thirty = (from, to) -> 30;
        for (int i = 0; i < 30; i++) {
            l.sent(2_000 + i);
            l.succeeded(2_000 + i, 2_010 + i);
        }
        l.full(2_500, 2_505, 4_000, true, false, 1, w -> 30, thirty);
        assertThat(l.learnIfAnswered(0, w -> 30, thirty)).isTrue();
        assertThat(l.confirmed()).isTrue();
        assertThat(l.windowMs()).isEqualTo(2_000);
    }

    @Test
    void shouldLetAHeadersSizeAndWindowWinOverWhatWasLearned() {
        LearnedLimit l = new LearnedLimit();
        run(l, 0, 12, 1_500, true, 1);
        l.heard(new dev.rotor.chat.headers.LimitSignal("ietf", dev.rotor.chat.headers.LimitSignal.Unit.REQUESTS,
                java.util.OptionalLong.of(100), java.util.OptionalLong.empty(), java.util.Optional.empty(),
                java.util.Optional.of(java.time.Duration.ofSeconds(60))));
        assertThat(l.view("model:m").orElseThrow()).isEqualTo(
                new LimitView("model:m", 100, java.time.Duration.ofSeconds(60), LimitSource.HEADER));
        assertThat(l.confirmed()).isTrue();
    }

    @Test
    void shouldGrowOneCallAWindowAfterASpanAtThePaceAndUndoItOnA429() {
        LearnedLimit l = new LearnedLimit();
        run(l, 0, 10, 2_000, true, 1);
        long window = l.windowMs();
        // the pace held calls back for the growth span: one more call per window
        l.refusedForRoom();
        assertThat(l.maybeGrow(2 * LearnedLimit.GROWTH_WINDOWS * window)).isTrue();
        assertThat(l.windowMs()).isEqualTo(Math.round(window * 10.0 / 11));
        // a 429 at the grown pace undoes it
        l.sent(20_000);
        l.full(20_000, 20_005, 21_000, true, true, 1, w -> 10, NONE);
        l.learnIfAnswered(0, w -> 10, NONE);
        assertThat(l.windowMs()).isEqualTo(window);
    }

    @Test
    void shouldLearnNothingFromA429OfACallThatWasOnItsWayWhenTheLastOneTaught() {
        LearnedLimit l = new LearnedLimit();
        run(l, 0, 10, 2_000, true, 1);
        long window = l.windowMs();
        // sent at 50, before the 429 that taught came back at 105
        assertThat(l.full(50, 120, 5_000, true, true, 1, w -> 10, NONE)).isFalse();
        assertThat(l.learnIfAnswered(0, w -> 10, NONE)).isFalse();
        assertThat(l.windowMs()).isEqualTo(window);
    }
}
