package dev.rotor.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.chat.TokenUsage;
import dev.rotor.chat.headers.LimitReport;
import dev.rotor.models.Budget;
import dev.rotor.models.BudgetCheck;
import dev.rotor.models.ModelRegistry;
import dev.rotor.models.ModelRegistryLoader;
import dev.rotor.models.ModelSpec;
import dev.rotor.models.Money;
import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/** Budgets: a call holds its worst case before it leaves, settles to what it cost, and never spends past a cap. */
class BudgetsTest {

    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    private static ModelRegistry registry(String models) {
        String yaml = "providers:\n  p: { base-url: \"http://127.0.0.1:1/v1\" }\nmodels:\n" + models;
        return ModelRegistryLoader.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "t");
    }

    /** A call of this many tokens in and at most out, priced at the model's price. */
    private static Reservation call(ModelSpec m, long in, long out) {
        return new InputEstimates()
                .plan(m, new TaskSize(in, OptionalInt.of((int) out)))
                .forTask("t");
    }

    @Test
    void shouldHoldEachCallsWorstCaseAndLeaveTheModelOutUntilTheDayResetsWhenTheBudgetHasNoRoom() {
        // $1 per million in and $4 per million out, $0.01 a day
        ModelRegistry r = registry("  - { id: m, provider: p, price: { input-per-million: 1, output-per-million: 4 },"
                + " budget: { usd-per-day: 0.01 } }\n");
        ModelSpec m = r.model("m").orElseThrow();
        InMemoryLimitState limits = new InMemoryLimitState(r, LimitsConfig.defaults(), n -> Duration.ofSeconds(1));
        // each call holds 1,300 in (the prior) at $1/M and 1,000 out at $4/M: $0.0053
        Permit first = ((Admission.Granted) limits.tryAcquire(m, call(m, 1_000, 1_000), T0)).permit();
        assertThat(limits.tryAcquire(m, call(m, 1_000, 1_000), T0)).isInstanceOf(Admission.OverBudget.class);
        // the first answer used 1,000 in and 100 out: it cost $0.0014, and gives the rest back
        limits.succeeded(first, T0.plusSeconds(1), LimitReport.EMPTY, usage(1_000, 100));
        assertThat(limits.budgets(T0.plusSeconds(1)))
                .singleElement()
                .satisfies(b -> assertThat(b.spentPicoUsd()).isEqualTo(Money.picoUsd(new BigDecimal("0.0014"))));
        Permit second = ((Admission.Granted) limits.tryAcquire(m, call(m, 1_000, 1_000), T0.plusSeconds(1))).permit();
        // while the second is on its way its worst case is held, and the next look is soon: its answer may give some
        // back
        Admission waiting = limits.tryAcquire(m, call(m, 1_000, 1_000), T0.plusSeconds(2));
        assertThat(waiting)
                .isEqualTo(new Admission.OverBudget(
                        "model:m", T0.plusSeconds(2).plusMillis(BudgetPace.RECHECK_MS), false));
        // it used all it might: $0.0014 + $0.0053 spent, no room for another until midnight UTC
        limits.succeeded(second, T0.plusSeconds(3), LimitReport.EMPTY, usage(1_300, 1_000));
        Admission third = limits.tryAcquire(m, call(m, 1_000, 1_000), T0.plusSeconds(3));
        assertThat(third).isEqualTo(new Admission.OverBudget("model:m", Instant.parse("2026-12-02T00:00:00Z"), false));
    }

    @Test
    void shouldNeverSpendPastTheBudgetWhateverTheAnswersCost() {
        ModelRegistry r = registry("  - { id: m, provider: p, price: { input-per-million: 1, output-per-million: 4 },"
                + " budget: { usd-per-hour: 0.05 } }\n");
        ModelSpec m = r.model("m").orElseThrow();
        InMemoryLimitState limits = new InMemoryLimitState(r, LimitsConfig.defaults(), n -> Duration.ofSeconds(1));
        long cap = Money.picoUsd(new BigDecimal("0.05"));
        long spent = 0;
        Instant now = T0;
        for (int i = 0; i < 200; i++) {
            now = now.plusMillis(100);
            Admission a = limits.tryAcquire(m, call(m, 500 + i, 800), now);
            if (a instanceof Admission.Granted g) {
                // answers use all they may: the worst case
                TokenUsage u = usage(Math.round((500 + i) * 1.3), 800);
                limits.succeeded(g.permit(), now.plusMillis(50), LimitReport.EMPTY, u);
                spent += Spending.costOf(m, u).orElseThrow();
            }
        }
        assertThat(spent).isLessThanOrEqualTo(cap).isGreaterThan(cap * 8 / 10);
    }

    @Test
    void shouldCountEveryModelOnAGlobalBudgetAndAProvidersOwn() {
        ModelRegistry r = registry("""
                  - { id: a, provider: p, price: { input-per-million: 1, output-per-million: 1 } }
                  - { id: b, provider: p, price: { input-per-million: 1, output-per-million: 1 } }
                """);
        Budget global = new Budget(List.of(new Budget.Cap(Money.picoUsd(new BigDecimal("0.004")), Budget.Window.DAY)));
        InMemoryLimitState limits =
                new InMemoryLimitState(r, LimitsConfig.defaults(), n -> Duration.ofSeconds(1), global);
        ModelSpec a = r.model("a").orElseThrow();
        ModelSpec b = r.model("b").orElseThrow();
        assertThat(limits.tryAcquire(a, call(a, 1_000, 1_000), T0)).isInstanceOf(Admission.Granted.class);
        // $0.0023 held of $0.004: b's call of the same worst case does not fit the global budget
        assertThat(limits.tryAcquire(b, call(b, 1_000, 1_000), T0)).isInstanceOf(Admission.OverBudget.class);
    }

    @Test
    void shouldStopAtStartForAModelUnderABudgetWithNoPrice() {
        ModelRegistry r = registry("  - { id: m, provider: p, budget: { usd-per-day: 2 } }\n");
        assertThatThrownBy(() -> BudgetCheck.requirePrices(r, Budget.NONE))
                .hasMessageStartingWith("model m is under the budget of the model but has no price");
        ModelRegistry priced =
                registry("  - { id: m, provider: p, price: { input-per-million: 0, output-per-million: 0 } }\n");
        Budget global = new Budget(List.of(new Budget.Cap(1, Budget.Window.MONTH)));
        BudgetCheck.requirePrices(priced, global);
    }

    private static TokenUsage usage(long in, long out) {
        return new TokenUsage(in, out, 0, 0, OptionalLong.empty(), true);
    }
}
