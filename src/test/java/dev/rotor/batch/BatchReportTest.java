package dev.rotor.batch;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.chat.TokenUsage;
import dev.rotor.chat.headers.LimitReport;
import dev.rotor.limits.Admission;
import dev.rotor.limits.InMemoryLimitState;
import dev.rotor.limits.InputEstimates;
import dev.rotor.limits.LimitsConfig;
import dev.rotor.limits.Permit;
import dev.rotor.limits.Reservation;
import dev.rotor.limits.TaskSize;
import dev.rotor.metrics.RotorMetrics;
import dev.rotor.models.ModelRegistry;
import dev.rotor.models.ModelRegistryLoader;
import dev.rotor.models.ModelSpec;
import dev.rotor.models.Money;
import dev.rotor.rotation.RotationConfig;
import dev.rotor.rotation.RotationPolicy;
import dev.rotor.support.MutableClock;
import dev.rotor.transport.TransportMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** The end-of-batch table and run-summary.json say what each model spent, its token limit and each budget left. */
class BatchReportTest {

    private static final Instant START = Instant.parse("2026-12-01T10:00:00Z");

    @Test
    void shouldGiveEachModelsSpendTokenLimitAndEstimateErrorAndEachBudgetLeft() throws Exception {
        ModelRegistry models =
                ModelRegistryLoader.parse(new ByteArrayInputStream("""
                providers:
                  p: { base-url: "http://127.0.0.1:1/v1" }
                models:
                  - { id: paid, provider: p, tokens-per-minute: 12000,
                      price: { input-per-million: 1, output-per-million: 4 }, budget: { usd-per-day: 2 } }
                  - { id: free, provider: p }
                """.getBytes(StandardCharsets.UTF_8)), "test");
        ModelSpec paid = models.model("paid").orElseThrow();
        MutableClock clock = new MutableClock(START);
        InMemoryLimitState limits = new InMemoryLimitState(models, LimitsConfig.defaults(), n -> Duration.ofSeconds(1));
        RotationPolicy policy = new RotationPolicy(models, RotationConfig.defaults(), limits, clock, () -> 0.5);
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        RotorMetrics metrics = new RotorMetrics(meters, policy, models.models(), clock);
        InputEstimates estimates = new InputEstimates();
        // one call: estimated 1,300 in, counted as much, and 500 out: $0.0033 (the metrics hear $0.003)
        Reservation reservation =
                estimates.plan(paid, new TaskSize(1_000, OptionalInt.of(500))).forTask("t");
        Permit permit = ((Admission.Granted) limits.tryAcquire(paid, reservation, START)).permit();
        TokenUsage usage = new TokenUsage(1_300, 500, 0, 0, OptionalLong.empty(), true);
        limits.succeeded(permit, START.plusSeconds(1), LimitReport.EMPTY, usage);
        estimates.learn(paid, reservation, usage);
        metrics.spent(paid, Money.picoUsd(new BigDecimal("0.003")));
        metrics.of(paid).promptTokens().increment(1_300);
        metrics.of(paid).completionTokens().increment(200);

        BatchReport report = BatchReport.of(
                new TaskLedger(metrics, new TransportMetrics(meters)),
                metrics,
                policy,
                estimates,
                models.models(),
                Duration.ofSeconds(30),
                START.plusSeconds(1));

        assertThat(report.table())
                .contains("wall time 30.00 s, spent $0.003000")
                .containsPattern("paid\\s+0\\s+0\\s+0\\s+0\\s.*1300/200\\s+0\\s+closed\\s+\\$0.003000\\s+-")
                .containsPattern("paid\\s+3000\\s+12000 tokens per 1m, declared \\(12000/min\\)\\s+0.0%")
                .containsPattern("free\\s+0\\s+-\\s+-")
                .containsPattern("model:paid\\s+day\\s+\\$2.00\\s+\\$0.003300\\s+\\$2.00\\s+2026-12-02T00:00:00Z");
        JsonNode summary = new ObjectMapper().findAndRegisterModules().valueToTree(report);
        assertThat(summary.path("spend_usd").asDouble()).isEqualTo(0.003);
        assertThat(summary.at("/models/paid/spend_usd").asDouble()).isEqualTo(0.003);
        assertThat(summary.at("/models/paid/token_limits/0/tokens").asLong()).isEqualTo(12_000);
        assertThat(summary.at("/models/paid/token_limits/0/source").asText()).isEqualTo("declared");
        assertThat(summary.at("/models/paid/tokens_per_minute").asDouble()).isEqualTo(3_000);
        assertThat(summary.at("/models/paid/estimate_error").asDouble()).isZero();
        assertThat(summary.at("/models/free/estimate_error").isNull()).isTrue();
        assertThat(summary.at("/budgets/0/left_usd").asDouble()).isEqualTo(1.9967);
    }
}
