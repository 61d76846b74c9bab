package dev.rotor.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TimelineTest {

    private final Map<String, Double> totals = new HashMap<>();
    private final Timeline timeline = new Timeline(() -> totals);

    @Test
    void shouldGiveEachSecondsGrowthWithAMissedSecondAtZero() {
        at(100, 0);
        at(101, 3);
        at(103, 5);

        Timeline.Series series = timeline.perSecond("done");

        assertThat(series.perSecond()).containsExactly(3.0, 0.0, 2.0);
        assertThat(series.endSecond()).isEqualTo(103);
    }

    @Test
    void shouldCountTheLastMinuteOnly() {
        for (int s = 0; s <= 120; s++) {
            at(s, s * 2);
        }

        assertThat(timeline.lastMinute("done")).isEqualTo(120.0);
        assertThat(timeline.lastMinute("never counted")).isZero();
    }

    @Test
    void shouldCountWhatWasSampledWhenLessThanAMinuteWas() {
        at(10, 4);
        at(20, 9);

        assertThat(timeline.lastMinute("done")).isEqualTo(5.0);
    }

    @Test
    void shouldKeepTenMinutesAndNoMore() {
        for (int s = 0; s <= 2 * Timeline.CHART_SECONDS; s++) {
            at(s, s);
        }

        assertThat(timeline.perSecond("done").perSecond())
                .hasSize(Timeline.CHART_SECONDS)
                .containsOnly(1.0);
    }

    private void at(long second, double done) {
        totals.put("done", done);
        timeline.sample(second);
    }
}
