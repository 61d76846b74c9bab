package dev.rotor.chat.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.models.ModelSpec;
import dev.rotor.models.Provider;
import dev.rotor.models.RateLimits;
import java.net.URI;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class FirstTokenLimitsTest {

    private static final ModelSpec MODEL = new ModelSpec(
            "m", new Provider("p", URI.create("http://127.0.0.1:1/v1"), null), Optional.empty(), RateLimits.NONE, 0);
    private final FirstTokenLimits limits = new FirstTokenLimits(Duration.ofSeconds(15));

    private void observe(int times, long ms) {
        for (int i = 0; i < times; i++) {
            limits.observed(MODEL, Duration.ofMillis(ms));
        }
    }

    @Test
    void shouldUseTheCeilingUntilEnoughStreamsWereSeen() {
        observe(FirstTokenLimits.MIN_SAMPLES - 1, 300);
        assertThat(limits.limitFor(MODEL)).isEqualTo(Duration.ofSeconds(15));
        assertThat(limits.learned(MODEL)).isFalse();
    }

    @Test
    void shouldLearnAHighPercentileTimesTheFactorWithAFloor() {
        observe(95, 400);
        observe(5, 1_000);
        // the 95th percentile is 400 ms; three times it is 1.2 s
        assertThat(limits.limitFor(MODEL)).isEqualTo(Duration.ofMillis(1_200));
        assertThat(limits.learned(MODEL)).isTrue();
        FirstTokenLimits fast = new FirstTokenLimits(Duration.ofSeconds(15));
        for (int i = 0; i < 50; i++) {
            fast.observed(MODEL, Duration.ofMillis(20));
        }
        assertThat(fast.limitFor(MODEL)).isEqualTo(FirstTokenLimits.FLOOR);
    }

    @Test
    void shouldNeverGoAboveTheCeiling() {
        observe(50, 10_000);
        assertThat(limits.limitFor(MODEL)).isEqualTo(Duration.ofSeconds(15));
    }

    @Test
    void shouldRaiseTheLimitBackWhenAModelBecomesSlowerForGoodAndIsLeftAtItsLimit() {
        observe(100, 400);
        assertThat(limits.limitFor(MODEL)).isEqualTo(Duration.ofMillis(1_200));
        // the model now takes 5 s every time: each stream is left at its limit, which is what is learned
        for (int i = 0; i < 200 && limits.learned(MODEL); i++) {
            limits.observed(MODEL, limits.limitFor(MODEL));
        }
        assertThat(limits.limitFor(MODEL)).isEqualTo(Duration.ofSeconds(15));
    }
}
