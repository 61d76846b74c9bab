package dev.rotor.rotation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class BackoffTest {

    private final Backoff prototype = Backoff.PROTOTYPE;

    @Test
    void shouldDoubleFromOneSecondLikeThePrototypeWhenJitterIsCentred() {
        assertThat(prototype.delay(1, 0.5)).isEqualTo(Duration.ofSeconds(1));
        assertThat(prototype.delay(2, 0.5)).isEqualTo(Duration.ofSeconds(2));
        assertThat(prototype.delay(3, 0.5)).isEqualTo(Duration.ofSeconds(4));
        assertThat(prototype.delay(4, 0.5)).isEqualTo(Duration.ofSeconds(8));
        assertThat(prototype.delay(5, 0.5)).isEqualTo(Duration.ofSeconds(16));
    }

    @Test
    void shouldCapAtTheMaximumDelay() {
        assertThat(prototype.delay(7, 0.5)).isEqualTo(Duration.ofSeconds(60));
        assertThat(prototype.delay(40, 0.5)).isEqualTo(Duration.ofSeconds(60));
    }

    @Test
    void shouldSpreadByAtMostTwentyPercentEitherWay() {
        assertThat(prototype.delay(3, 0.0)).isEqualTo(Duration.ofMillis(3200));
        assertThat(prototype.delay(3, 0.999_999)).isBetween(Duration.ofMillis(4799), Duration.ofMillis(4800));
        assertThat(prototype.delay(10, 0.0)).isEqualTo(Duration.ofSeconds(48));
    }

    @Test
    void shouldRejectSettingsThatMakeNoSense() {
        assertThatThrownBy(() -> new Backoff(Duration.ZERO, 2, Duration.ofSeconds(1), 0.1))
                .hasMessageContaining("base must be positive");
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(1), 0.5, Duration.ofSeconds(1), 0.1))
                .hasMessageContaining("multiplier");
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(2), 2, Duration.ofSeconds(1), 0.1))
                .hasMessageContaining("must not be below its base");
        assertThatThrownBy(() -> new Backoff(Duration.ofSeconds(1), 2, Duration.ofSeconds(1), 1.0))
                .hasMessageContaining("jitter");
    }
}
