package dev.rotor.rotation;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.rotor.answers.AnswerFault;
import dev.rotor.answers.Rejection;
import dev.rotor.chat.Failure;
import dev.rotor.chat.FailureKind;
import dev.rotor.chat.TokenUsage;
import dev.rotor.chat.headers.LimitReport;
import dev.rotor.limits.InMemoryLimitState;
import dev.rotor.limits.InputEstimates;
import dev.rotor.limits.LimitsConfig;
import dev.rotor.limits.TaskSize;
import dev.rotor.models.ModelRegistry;
import dev.rotor.models.ModelRegistryLoader;
import dev.rotor.models.Money;
import dev.rotor.support.MutableClock;
import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** Answers that fail their checks are paid for: what they counted settles the budgets, whatever follows. */
class RejectedAnswersPolicyTest {

    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    private final ModelRegistry registry =
            ModelRegistryLoader.parse(new ByteArrayInputStream(("""
            providers:
              p: { base-url: "http://127.0.0.1:1/v1" }
            models:
              - { id: m, provider: p, price: { input-per-million: 1, output-per-million: 4 }, budget: { usd-per-day: 1 } }
              - { id: n, provider: p }
            """).getBytes(StandardCharsets.UTF_8)), "t");
    private final MutableClock clock = new MutableClock(T0);
    private final InMemoryLimitState limits =
            new InMemoryLimitState(registry, LimitsConfig.defaults(), n -> Duration.ofSeconds(1));
    private final RotationPolicy policy =
            new RotationPolicy(registry, RotationConfig.defaults(), limits, clock, () -> 0.5, new InputEstimates());

    private TaskProgress task() {
        return new TaskProgress(
                "t", registry.models(), T0.plusSeconds(600), new TaskSize(1_000, OptionalInt.of(1_000)));
    }

    private static Rejection rejection(AnswerFault fault) {
        return new Rejection(
                fault,
                "what was wrong",
                "",
                JsonNodeFactory.instance.arrayNode(),
                new TokenUsage(1_000, 1_000, 0, 0, OptionalLong.empty(), true),
                LimitReport.EMPTY);
    }

    private long spentOnM() {
        return limits.budgets(clock.instant()).get(0).spentPicoUsd();
    }

    @Test
    void aReasoningOnlyAnswerSettlesWhatItCountedAndIsRetriedAsATransientFailure() {
        TaskProgress task = task();
        Selection.Use use = (Selection.Use) policy.select(task);
        assertThat(use.model().id()).isEqualTo("m");
        Decision d = policy.onEmptyAnswer(task, use.permit(), rejection(AnswerFault.REASONING_ONLY));
        // 1,000 in at $1/M and 1,000 out at $4/M
        assertThat(spentOnM()).isEqualTo(Money.picoUsd(new BigDecimal("0.005")));
        assertThat(d).isInstanceOf(Decision.Retry.class);
        assertThat(((Decision.Retry) d).delay()).isPositive();
    }

    @Test
    void anAnswerOffItsSchemaSettlesWhatItCountedIsAskedAgainOnceThenTheNextModel() {
        TaskProgress task = task();
        Selection.Use first = (Selection.Use) policy.select(task);
        Decision again = policy.onRejected(task, first.permit(), Duration.ofMillis(5), rejection(AnswerFault.SCHEMA));
        assertThat(spentOnM()).isEqualTo(Money.picoUsd(new BigDecimal("0.005")));
        assertThat(again)
                .isEqualTo(new Decision.Retry(
                        Duration.ZERO,
                        "m gave an answer that failed its checks (schema: what was wrong); asking it again"));
        Selection.Use second = (Selection.Use) policy.select(task);
        assertThat(second.model().id()).isEqualTo("m");
        assertThat(task.followUpFor(second.model())).isPresent();
        policy.onRejected(task, second.permit(), Duration.ofMillis(5), rejection(AnswerFault.SCHEMA));
        assertThat(((Selection.Use) policy.select(task)).model().id()).isEqualTo("n");
    }

    @Test
    void aCutOffAnswerIsAskedAgainWithTwiceTheMaxTokensAndAModelThatRefusesThatBoundIsLeftNotTheTask() {
        TaskProgress task = task();
        Selection.Use first = (Selection.Use) policy.select(task);
        policy.onRejected(task, first.permit(), Duration.ofMillis(5), rejection(AnswerFault.TRUNCATED));
        assertThat(task.maxTokensFor(first.model())).hasValue(2_000);
        Selection.Use wider = (Selection.Use) policy.select(task);
        assertThat(wider.model().id()).isEqualTo("m");
        Decision d = policy.onFailure(
                task,
                wider.permit(),
                Failure.of(
                        FailureKind.BAD_REQUEST,
                        400,
                        "max_tokens is too large: 2000. This model supports at most 1024 completion tokens"));
        assertThat(d).isInstanceOf(Decision.Retry.class);
        Selection.Use next = (Selection.Use) policy.select(task);
        assertThat(next.model().id()).isEqualTo("n");
        assertThat(task.maxTokensFor(next.model())).isEmpty();
    }

    @Test
    void aModerationRefusalSendsTheTaskToTheNextModelNotToTheDeadLetter() {
        TaskProgress task = task();
        Selection.Use first = (Selection.Use) policy.select(task);
        Decision d = policy.onFailure(task, first.permit(), Failure.of(FailureKind.REFUSED, 403, "Input flagged"));
        assertThat(d).isEqualTo(new Decision.Retry(Duration.ZERO, "m declined: Input flagged"));
        assertThat(((Selection.Use) policy.select(task)).model().id()).isEqualTo("n");
    }
}
