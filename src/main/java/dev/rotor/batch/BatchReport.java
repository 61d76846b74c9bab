package dev.rotor.batch;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.rotor.limits.BudgetView;
import dev.rotor.limits.InputEstimates;
import dev.rotor.limits.LimitView;
import dev.rotor.limits.TokenLimitView;
import dev.rotor.limits.Windows;
import dev.rotor.metrics.RotorMetrics;
import dev.rotor.models.ModelSpec;
import dev.rotor.models.Money;
import dev.rotor.rotation.RotationPolicy;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;

/**
 * The end-of-batch figures: the prototype's print_metrics table, and the same as run-summary.json, with what the batch
 * spent and what is left of each budget.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record BatchReport(
        int tasks,
        int completed,
        int cached,
        int failed,
        int rotations,
        long wallMs,
        double spendUsd,
        List<TaskLedger.Entry> perTask,
        Map<String, ModelFigures> models,
        List<BudgetLeft> budgets) {

    /**
     * One model's figures over the run.
     *
     * @param tokensPerMinute what its calls counted in tokens, per minute of the run on average
     * @param estimateError the median of |input estimate - counted| / counted over its last answers; null before any
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record ModelFigures(
            long requests,
            long successes,
            long failures,
            long answersRejected,
            long rateLimited,
            double successRate,
            double latencyMeanMs,
            double latencyP95Ms,
            long promptTokens,
            long completionTokens,
            long rotationsTo,
            String breaker,
            Limit limit,
            List<TokenLimit> tokenLimits,
            double tokensPerMinute,
            Double estimateError,
            double spendUsd) {}

    /** A token limit that paced the model at the end: tokens of a unit per window, its source and scope. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record TokenLimit(
            String unit, long tokens, double windowSeconds, String source, String scope, double perMinute) {

        static TokenLimit of(TokenLimitView v) {
            return new TokenLimit(
                    v.unit().label(),
                    v.capacity(),
                    v.window().toMillis() / 1000.0,
                    v.source().label(),
                    v.scope(),
                    v.perMinute());
        }

        String text() {
            return String.format(
                    Locale.ROOT,
                    "%d %s per %s, %s (%.0f/min)",
                    tokens,
                    unit,
                    Windows.text(Duration.ofMillis(Math.round(windowSeconds * 1000))),
                    source,
                    perMinute);
        }
    }

    /** A budget at the end: its scope and window, the cap, what was spent in the window and what is left. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record BudgetLeft(
            String scope, String window, double budgetUsd, double spentUsd, double leftUsd, Instant resetsAt) {

        static BudgetLeft of(BudgetView b) {
            return new BudgetLeft(
                    b.scope(),
                    b.window().label(),
                    Money.usd(b.capPicoUsd()),
                    Money.usd(b.spentPicoUsd()),
                    Money.usd(b.remainingPicoUsd()),
                    b.resetsAt());
        }
    }

    /** The limit that paced the model at the end: calls per window, where the figure came from, on which scope. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Limit(int requests, double windowSeconds, String source, String scope) {

        static Limit of(LimitView v) {
            return new Limit(
                    v.requests(), v.window().toMillis() / 1000.0, v.source().label(), v.scope());
        }

        String text() {
            return requests + "/"
                    + (windowSeconds == Math.rint(windowSeconds)
                            ? String.valueOf((long) windowSeconds)
                            : String.format(Locale.ROOT, "%.2f", windowSeconds))
                    + "s " + source;
        }
    }

    /** Task lines the printed table shows; the summary file lists them all. */
    static final int TABLE_ROWS = 50;

    public static BatchReport of(
            TaskLedger ledger,
            RotorMetrics metrics,
            RotationPolicy policy,
            InputEstimates estimates,
            List<ModelSpec> models,
            Duration wall,
            Instant now) {
        Map<String, ModelFigures> figures = new LinkedHashMap<>();
        double minutes = Math.max(wall.toMillis(), 1) / 60_000.0;
        double spend = 0;
        for (ModelSpec m : models) {
            RotorMetrics.ModelMeters mm = metrics.of(m);
            long requests = (long) mm.requests().count();
            long ok = (long) mm.successes().count();
            double p95 = 0;
            for (ValueAtPercentile v : mm.latency().takeSnapshot().percentileValues()) {
                if (v.percentile() == 0.95) {
                    p95 = v.value(TimeUnit.MILLISECONDS);
                }
            }
            long prompt = (long) mm.promptTokens().count();
            long completion = (long) mm.completionTokens().count();
            OptionalDouble error = estimates.medianError(m);
            spend += mm.spendUsd().count();
            figures.put(
                    m.id(),
                    new ModelFigures(
                            requests,
                            ok,
                            (long) metrics.failures(m),
                            (long) metrics.answersRejected(m),
                            (long) mm.rateLimited().count(),
                            requests == 0 ? 0 : (double) ok / requests,
                            mm.latency().mean(TimeUnit.MILLISECONDS),
                            p95,
                            prompt,
                            completion,
                            (long) mm.rotationsTo().count(),
                            policy.breakerState(m).name().toLowerCase(Locale.ROOT),
                            policy.limits().limitOf(m).map(Limit::of).orElse(null),
                            policy.limits().tokenLimitsOf(m, now).stream()
                                    .map(TokenLimit::of)
                                    .toList(),
                            (prompt + completion) / minutes,
                            error.isPresent() ? error.getAsDouble() : null,
                            mm.spendUsd().count()));
        }
        int ended = ledger.count();
        int completed = ledger.completedCount();
        return new BatchReport(
                ended,
                completed,
                (int) metrics.cacheHits(),
                ended - completed,
                (int) metrics.totalRotations(),
                wall.toMillis(),
                spend,
                ledger.entries(),
                figures,
                policy.limits().budgets(now).stream().map(BudgetLeft::of).toList());
    }

    @JsonProperty("success_rate")
    public double successRate() {
        return tasks == 0 ? 1.0 : (double) completed / tasks;
    }

    public String table() {
        StringBuilder out = new StringBuilder();
        out.append(String.format(
                Locale.ROOT,
                "%nRotor batch: %d tasks, %d completed%s, %d failed, %d rotations, wall time " + "%.2f s, spent %s%n%n",
                tasks,
                completed,
                cached == 0 ? "" : " (" + cached + " from the cache)",
                failed,
                rotations,
                wallMs / 1000.0,
                usd(spendUsd)));
        out.append(String.format(
                Locale.ROOT,
                "%-24s %-10s %-46s %9s %5s %10s%n",
                "task",
                "status",
                "model",
                "rotations",
                "calls",
                "latency"));
        perTask.stream()
                .sorted(Comparator.comparing(TaskLedger.Entry::id))
                .limit(TABLE_ROWS)
                .forEach(e -> out.append(String.format(
                        Locale.ROOT,
                        "%-24s %-10s %-46s %9d %5d %7d ms%s%n",
                        e.id(),
                        e.status(),
                        e.model(),
                        e.rotations(),
                        e.calls(),
                        e.latencyMs(),
                        e.error() != null ? "  (" + e.error() + ")" : e.cached() ? "  (cached)" : "")));
        if (perTask.size() > TABLE_ROWS) {
            out.append(String.format(
                    Locale.ROOT, "... and %d more tasks, listed in the run summary%n", perTask.size() - TABLE_ROWS));
        }
        out.append(String.format(
                Locale.ROOT,
                "%n%-46s %8s %6s %6s %8s %5s %8s %8s %8s %15s %9s %9s %10s  %s%n",
                "model",
                "requests",
                "ok",
                "failed",
                "rejected",
                "429",
                "success",
                "mean ms",
                "p95 ms",
                "tokens in/out",
                "rotations",
                "breaker",
                "spent",
                "limit"));
        models.forEach((id, f) -> out.append(String.format(
                Locale.ROOT,
                "%-46s %8d %6d %6d %8d %5d %7.1f%% %8.0f %8.0f %15s %9d %9s %10s  %s%n",
                id,
                f.requests(),
                f.successes(),
                f.failures(),
                f.answersRejected(),
                f.rateLimited(),
                f.successRate() * 100,
                f.latencyMeanMs(),
                f.latencyP95Ms(),
                f.promptTokens() + "/" + f.completionTokens(),
                f.rotationsTo(),
                f.breaker(),
                usd(f.spendUsd()),
                f.limit() == null ? "-" : f.limit().text())));
        if (models.values().stream().anyMatch(f -> !f.tokenLimits().isEmpty())) {
            out.append(String.format(
                    Locale.ROOT, "%n%-46s %12s %-44s %9s%n", "model", "tokens/min", "token limit", "est. err"));
            models.forEach((id, f) -> out.append(String.format(
                    Locale.ROOT,
                    "%-46s %12.0f %-44s %9s%n",
                    id,
                    f.tokensPerMinute(),
                    f.tokenLimits().isEmpty() ? "-" : f.tokenLimits().get(0).text(),
                    f.estimateError() == null ? "-" : String.format(Locale.ROOT, "%.1f%%", f.estimateError() * 100))));
        }
        if (!budgets.isEmpty()) {
            out.append(String.format(
                    Locale.ROOT,
                    "%n%-46s %-6s %10s %10s %10s  %s%n",
                    "budget",
                    "per",
                    "budget",
                    "spent",
                    "left",
                    "resets"));
            budgets.forEach(b -> out.append(String.format(
                    Locale.ROOT,
                    "%-46s %-6s %10s %10s %10s  %s%n",
                    b.scope(),
                    b.window(),
                    usd(b.budgetUsd()),
                    usd(b.spentUsd()),
                    usd(b.leftUsd()),
                    b.resetsAt())));
        }
        return out.toString();
    }

    private static String usd(double value) {
        return String.format(Locale.ROOT, value != 0 && Math.abs(value) < 0.01 ? "$%.6f" : "$%.2f", value);
    }
}
