package dev.rotor.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RateBetweenRefusalsTest {

    /** A token bucket refilling 15 a second, empty at each 429: 15 got in each second between them. */
    private static void secondsOfABucket(RateBetweenRefusals r, long fromMs, int seconds) {
        for (int s = 1; s <= seconds; s++) {
            r.succeeded(15);
            r.refused(fromMs + 1_000L * s, 1_000);
        }
    }

    @Test
    void shouldMeasureWhatGotInBetweenCloseRefusalsOnceTheyCoverTwoWindows() {
        RateBetweenRefusals r = new RateBetweenRefusals();
        r.refused(0, 1_000);
        r.succeeded(15);
        r.refused(1_000, 1_000);
        assertThat(r.takeRate(1_000)).as("one window measured").isEmpty();
        secondsOfABucket(r, 1_000, 1);
        assertThat(r.takeRate(1_000).getAsDouble()).isCloseTo(0.015, within(1e-9));
        assertThat(r.takeRate(1_000))
                .as("taken: the next rate is measured anew")
                .isEmpty();
    }

    @Test
    void shouldLeaveOutASpanWithALullBetweenItsRefusals() {
        RateBetweenRefusals r = new RateBetweenRefusals();
        r.refused(0, 1_000);
        // four windows with 10 in: demand, not the limit, set what got in
        r.succeeded(10);
        r.refused(4_000, 1_000);
        assertThat(r.takeRate(1_000)).isEmpty();
        secondsOfABucket(r, 4_000, 2);
        assertThat(r.takeRate(1_000).getAsDouble()).isCloseTo(0.015, within(1e-9));
    }

    @Test
    void shouldCountNothingBeforeTheFirstRefusal() {
        RateBetweenRefusals r = new RateBetweenRefusals();
        r.succeeded(500);
        r.refused(100, 1_000);
        secondsOfABucket(r, 100, 2);
        assertThat(r.takeRate(1_000).getAsDouble()).isCloseTo(0.015, within(1e-9));
    }
}
