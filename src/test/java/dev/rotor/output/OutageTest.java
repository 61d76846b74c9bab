package dev.rotor.output;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class OutageTest {

    private static final Instant START = Instant.parse("2026-12-01T10:00:00Z");

    @Test
    void shouldWarnAtTheFirstRefusalThenOnceAMinute() {
        Outage outage = new Outage(START, Duration.ofMinutes(1));

        assertThat(outage.warnNow(START)).isTrue();
        assertThat(outage.warnNow(START.plusSeconds(1))).isFalse();
        assertThat(outage.warnNow(START.plusSeconds(59))).isFalse();
        assertThat(outage.warnNow(START.plusSeconds(60))).isTrue();
        assertThat(outage.warnNow(START.plusSeconds(90))).isFalse();
        assertThat(outage.since()).isEqualTo(START);
    }
}
