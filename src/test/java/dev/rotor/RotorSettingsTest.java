package dev.rotor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.rotation.RotationConfig;
import dev.rotor.rotation.Strategy;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RotorSettingsTest {

    private static RotorSettings settings(Map<String, String> values) {
        return RotorSettings.from(key -> Optional.ofNullable(values.get(key)));
    }

    @Test
    void shouldUseTheDocumentedDefaultsWhenNothingIsSet() {
        RotorSettings s = settings(Map.of());
        assertThat(s.concurrency()).isEqualTo(8);
        assertThat(s.batch()).isFalse();
        assertThat(s.rotation()).isEqualTo(RotationConfig.defaults());
        assertThat(s.inboxMinAge()).isEqualTo(Duration.ofSeconds(1));
        assertThat(s.simulator()).isEqualTo(RotorSettings.SimulatorMode.AUTO);
        assertThat(s.cache().on()).isFalse();
        assertThat(s.cache().ttl()).isEqualTo(Duration.ofDays(7));
        assertThat(s.cache().journal()).isTrue();
        assertThat(s.cache().journalTtl()).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void shouldReadDurationsStrategiesAndNumbers() {
        RotorSettings s = settings(Map.of(
                "rotor.task.deadline",
                "90s",
                "rotor.rotation.strategy",
                "Sticky",
                "rotor.retry.max-attempts",
                "7",
                "rotor.breaker.wait",
                "1m",
                "rotor.retry.initial-delay",
                "250"));
        assertThat(s.rotation().taskDeadline()).isEqualTo(Duration.ofSeconds(90));
        assertThat(s.rotation().strategy()).isEqualTo(Strategy.STICKY);
        assertThat(s.rotation().maxAttempts()).isEqualTo(7);
        assertThat(s.rotation().breakerWait()).isEqualTo(Duration.ofMinutes(1));
        assertThat(s.rotation().backoff().base()).isEqualTo(Duration.ofMillis(250));
    }

    @Test
    void shouldSayWhichSettingIsWrongAndWhy() {
        assertThatThrownBy(() -> settings(Map.of("rotor.task.deadline", "soon")))
                .hasMessage("rotor.task.deadline must be a duration such as 500, 30s, 10m or 1h, got 'soon'");
        assertThatThrownBy(() -> settings(Map.of("rotor.concurrency", "eight")))
                .hasMessage("rotor.concurrency must be a whole number, at least 1, got 'eight'");
        assertThatThrownBy(() -> settings(Map.of("rotor.concurrency", "0"))).hasMessageContaining("at least 1");
        assertThatThrownBy(() -> settings(Map.of("rotor.batch", "yes")))
                .hasMessage("rotor.batch must be true or false, got 'yes'");
        assertThatThrownBy(() -> settings(Map.of("rotor.rotation.strategy", "random")))
                .hasMessage("rotor.rotation.strategy must be priority or sticky, got 'random'");
        assertThatThrownBy(() -> settings(Map.of("rotor.retry.jitter", "1.5")))
                .hasMessage("rotor.retry.jitter must be a number from 0 to below 1, got '1.5'");
        assertThatThrownBy(() -> settings(Map.of("rotor.retry.multiplier", "0.5")))
                .hasMessage("rotor.retry.multiplier must be a number, at least 1, got '0.5'");
        assertThatThrownBy(() -> settings(Map.of("rotor.retry.max-delay", "500")))
                .hasMessage("rotor.retry.max-delay (500) must not be below rotor.retry.initial-delay (1s)");
        assertThatThrownBy(() -> settings(Map.of("rotor.payment.cooldown", "0")))
                .hasMessage("rotor.payment.cooldown must be more than zero, got '0'");
        assertThatThrownBy(() -> settings(Map.of("rotor.batch.progress-every", "0")))
                .hasMessage(
                        "rotor.batch.progress-every must be auto or a duration such as 30s, more than zero, got '0'");
        assertThatThrownBy(() -> settings(Map.of("rotor.simulator.enabled", "maybe")))
                .hasMessage("rotor.simulator.enabled must be auto, true, false, always or never, got 'maybe'");
        assertThatThrownBy(() -> settings(Map.of("rotor.cache", "yes")))
                .hasMessage("rotor.cache must be on or off, got 'yes'");
        assertThatThrownBy(() -> settings(Map.of("rotor.cache.ttl", "0")))
                .hasMessage("rotor.cache.ttl must be more than zero, got '0'");
    }

    @Test
    void shouldCheckTheCountsOnlyTheRoutesRead() {
        assertThatThrownBy(() -> settings(Map.of("rotor.kafka.consumers", "abc")))
                .hasMessage("rotor.kafka.consumers must be a whole number, at least 1, got 'abc'");
        assertThatThrownBy(() -> settings(Map.of("rotor.jms.concurrent-consumers", "0")))
                .hasMessage("rotor.jms.concurrent-consumers must be a whole number, at least 1, got '0'");
        assertThatThrownBy(() -> settings(Map.of("rotor.kafka.max-poll-records", "-5")))
                .hasMessage("rotor.kafka.max-poll-records must be a whole number, at least 1, got '-5'");
        assertThatThrownBy(() -> settings(Map.of("rotor.http.max-connections", "many")))
                .hasMessageContaining("rotor.http.max-connections must be a whole number");
    }
}
