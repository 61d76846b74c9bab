package dev.rotor.limits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.chat.LimitScope;
import dev.rotor.chat.TokenUsage;
import dev.rotor.chat.headers.LimitReport;
import dev.rotor.chat.headers.LimitSignal;
import dev.rotor.models.ModelRegistry;
import dev.rotor.models.ModelRegistryLoader;
import dev.rotor.models.ModelSpec;
import dev.rotor.models.Unit;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * Token limits paced as providers keep them, a bucket refilled continuously: reserve before the call, settle to the
 * usage, re-anchored on what the provider says remains.
 */
class TokenLimitsTest {

    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    private static ModelRegistry registry(String modelLine) {
        String yaml = """
                providers:
                  p: { base-url: "http://127.0.0.1:1/v1", counts-tokens: usage }
                  oa: { base-url: "http://127.0.0.1:2/v1", counts-tokens: openai }
                models:
                """ + modelLine;
        return ModelRegistryLoader.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "t");
    }

    private static Reservation calls(long input, long output) {
        return new Reservation(new CallCost(input + output, input, output), input, input, output);
    }

    private static TokenUsage usage(long input, long output) {
        return new TokenUsage(input, output, 0, 0, OptionalLong.empty(), true);
    }

    @Test
    void shouldLetACallGoOnlyWhenTheDeclaredTokenWindowHoldsItsReservation() {
        ModelRegistry r = registry("  - { id: m, provider: p, limits: [ { tokens: 12000, per: 3s } ] }\n");
        ModelSpec m = r.model("m").orElseThrow();
        InMemoryLimitState limits = new InMemoryLimitState(r, LimitsConfig.defaults(), n -> Duration.ofSeconds(1));
        assertThat(limits.tryAcquire(m, calls(4_600, 400), T0)).isInstanceOf(Admission.Granted.class);
        assertThat(limits.tryAcquire(m, calls(4_600, 400), T0)).isInstanceOf(Admission.Granted.class);
        // 10,000 taken of the bucket's 12,000: 5,000 more (and a margin for what its estimate may miss) wait until
        // 3,000 have come back, at 4 a millisecond
        Admission third = limits.tryAcquire(m, calls(4_600, 400), T0);
        long wait = (3_000 + TokenBucketPace.margin(5_000) + 3) / 4;
        assertThat(third).isEqualTo(new Admission.NotBefore(T0.plusMillis(wait)));
        // a smaller one fits
        assertThat(limits.tryAcquire(m, calls(1_400, 400), T0)).isInstanceOf(Admission.Granted.class);
    }

    @Test
    void shouldGiveBackTheOutputAReservationDidNotUseWhenTheProviderCountsUsage() {
        ModelRegistry r = registry("  - { id: m, provider: p, limits: [ { tokens: 10000, per: 3s } ] }\n");
        ModelSpec m = r.model("m").orElseThrow();
        InMemoryLimitState limits = new InMemoryLimitState(r, LimitsConfig.defaults(), n -> Duration.ofSeconds(1));
        Permit first = ((Admission.Granted) limits.tryAcquire(m, calls(5_000, 4_000), T0)).permit();
        assertThat(limits.tryAcquire(m, calls(2_000, 0), T0)).isInstanceOf(Admission.NotBefore.class);
        // the answer used 5,000 in and 200 out: 4,800 of the 10,000 are free again
        limits.succeeded(first, T0.plusMillis(100), LimitReport.EMPTY, usage(5_000, 200));
        assertThat(limits.tryAcquire(m, calls(4_000, 0), T0.plusMillis(100))).isInstanceOf(Admission.Granted.class);
    }

    @Test
    void shouldKeepTheWholeMaxTokensCountedWhereTheProviderCountsAsOpenAiDoes() {
        ModelRegistry r = registry("  - { id: m, provider: oa, limits: [ { tokens: 10000, per: 3s } ] }\n");
        ModelSpec m = r.model("m").orElseThrow();
        InMemoryLimitState limits = new InMemoryLimitState(r, LimitsConfig.defaults(), n -> Duration.ofSeconds(1));
        Permit first = ((Admission.Granted) limits.tryAcquire(m, calls(5_000, 4_000), T0)).permit();
        limits.succeeded(first, T0.plusMillis(100), LimitReport.EMPTY, usage(5_000, 200));
        assertThat(limits.tryAcquire(m, calls(2_000, 0), T0.plusMillis(100))).isInstanceOf(Admission.NotBefore.class);
    }

    @Test
    void shouldCountNothingForA429AndKeepTheReservationOfACallThatFailedOtherwise() {
        ModelRegistry r = registry("  - { id: m, provider: p, limits: [ { tokens: 10000, per: 3s } ] }\n");
        ModelSpec m = r.model("m").orElseThrow();
        InMemoryLimitState limits = new InMemoryLimitState(r, LimitsConfig.defaults(), n -> Duration.ofSeconds(1));
        Permit refused = ((Admission.Granted) limits.tryAcquire(m, calls(6_000, 0), T0)).permit();
        limits.rateLimited(
                refused, T0.plusMillis(50), LimitScope.MODEL, Optional.of(T0.plusMillis(60)), LimitReport.EMPTY);
        Permit failed = ((Admission.Granted) limits.tryAcquire(m, calls(6_000, 0), T0.plusMillis(100))).permit();
        limits.failed(failed, T0.plusMillis(200));
        assertThat(limits.tryAcquire(m, calls(6_000, 0), T0.plusMillis(300))).isInstanceOf(Admission.NotBefore.class);
    }

    @Test
    void shouldKeepTheRoomALargeWaitingCallWaitsForFromSmallerOnesThatComeLater() {
        ModelRegistry r = registry("  - { id: m, provider: p, limits: [ { tokens: 12000, per: 3s } ] }\n");
        ModelSpec m = r.model("m").orElseThrow();
        InMemoryLimitState limits = new InMemoryLimitState(r, LimitsConfig.defaults(), n -> Duration.ofSeconds(1));
        Permit before =
                ((Admission.Granted) limits.tryAcquire(m, calls(9_000, 0).forTask("before"), T0)).permit();
        limits.succeeded(before, T0.plusMillis(50), LimitReport.EMPTY, usage(9_000, 0));
        // 3,200 left: a task of 10,000 waits, and keeps its place
        Admission large = limits.tryAcquire(m, calls(10_000, 0).forTask("large"), T0.plusMillis(50));
        assertThat(large).isInstanceOf(Admission.NotBefore.class);
        Instant largeFits = ((Admission.NotBefore) large).at();
        // a small one that would fit now waits behind it instead, until both fit
        Admission small = limits.tryAcquire(m, calls(2_000, 0).forTask("small"), T0.plusMillis(60));
        assertThat(small).isInstanceOf(Admission.NotBefore.class);
        assertThat(((Admission.NotBefore) small).at()).isAfter(largeFits);
        // the large one comes back when it fits, and goes
        assertThat(limits.tryAcquire(m, calls(10_000, 0).forTask("large"), largeFits))
                .isInstanceOf(Admission.Granted.class);
    }

    @Test
    void shouldLetOthersPassAWaitingCallThatNeverCameBack() {
        ModelRegistry r = registry("  - { id: m, provider: p, limits: [ { tokens: 12000, per: 3s } ] }\n");
        ModelSpec m = r.model("m").orElseThrow();
        InMemoryLimitState limits = new InMemoryLimitState(r, LimitsConfig.defaults(), n -> Duration.ofSeconds(1));
        Permit before =
                ((Admission.Granted) limits.tryAcquire(m, calls(9_000, 0).forTask("before"), T0)).permit();
        limits.succeeded(before, T0.plusMillis(50), LimitReport.EMPTY, usage(9_000, 0));
        Instant largeFits =
                ((Admission.NotBefore) limits.tryAcquire(m, calls(10_000, 0).forTask("large"), T0.plusMillis(50))).at();
        // the large task went to another model: past its moment and the grace, its place is given up
        Instant later = largeFits.plusMillis(TokenBucketPace.CLAIM_GRACE_MS + 1);
        assertThat(limits.tryAcquire(m, calls(2_000, 0).forTask("small"), later))
                .isInstanceOf(Admission.Granted.class);
    }

    @Test
    void shouldSayACallCanNeverFitWhereItNeedsMoreThanTheWholeLimit() {
        ModelRegistry r = registry("  - { id: m, provider: p, limits: [ { tokens: 12000, per: 3s } ] }\n");
        ModelSpec m = r.model("m").orElseThrow();
        InMemoryLimitState limits = new InMemoryLimitState(r, LimitsConfig.defaults(), n -> Duration.ofSeconds(1));
        assertThat(limits.tryAcquire(m, calls(19_800, 200), T0))
                .isEqualTo(new Admission.TooLarge("model:m", Unit.TOKENS, 12_000, 20_000));
    }

    @Test
    void shouldPaceByATokenLimitTheHeadersAnnounceAndCountTokensOthersUsed() {
        ModelRegistry r = registry("  - { id: m, provider: oa }\n");
        ModelSpec m = r.model("m").orElseThrow();
        InMemoryLimitState limits = new InMemoryLimitState(r, LimitsConfig.defaults(), n -> Duration.ofSeconds(1));
        Permit probe = ((Admission.Granted) limits.tryAcquire(m, calls(1_000, 0), T0)).permit();
        // OpenAI's headers: 12,000 a minute, of which 9,000 are left (3,000 used: ours and another client's)
        LimitSignal tokens = new LimitSignal(
                "openai",
                Unit.TOKENS,
                OptionalLong.of(12_000),
                OptionalLong.of(9_000),
                Optional.of(T0.plusMillis(15_100)),
                Optional.of(Duration.ofMinutes(1)));
        limits.succeeded(
                probe,
                T0.plusMillis(100),
                new LimitReport(List.of(tokens), Optional.empty(), List.of()),
                usage(1_000, 0));
        Instant now = T0.plusMillis(200);
        assertThat(limits.tryAcquire(m, calls(8_500, 0), now)).isInstanceOf(Admission.Granted.class);
        assertThat(limits.tryAcquire(m, calls(1_000, 0), now))
                .as("3,000 + 8,500 used of 12,000")
                .isInstanceOf(Admission.NotBefore.class);
        assertThat(limits.tryAcquire(m, calls(13_000, 0), now)).isInstanceOf(Admission.TooLarge.class);
    }
}
