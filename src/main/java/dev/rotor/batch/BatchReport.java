package dev.rotor.batch;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;

import io.micrometer.core.instrument.distribution.ValueAtPercentile;

import dev.rotor.limits.LimitView;
import dev.rotor.metrics.RotorMetrics;
import dev.rotor.models.ModelSpec;
import dev.rotor.rotation.RotationPolicy;

/** The end-of-batch figures: the prototype's print_metrics table, and the same as run-summary.json. */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record BatchReport(int tasks, int completed, int failed, int rotations, long wallMs,
                          List<TaskLedger.Entry> perTask, Map<String, ModelFigures> models) {

    /** One model's figures over the run. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record ModelFigures(long requests, long successes, long failures, long rateLimited, double successRate,
                               double latencyMeanMs, double latencyP95Ms, long promptTokens, long completionTokens,
                               long rotationsTo, String breaker, Limit limit) {
    }

    /** The limit that paced the model at the end: calls per window, where the figure came from, on which scope. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Limit(int requests, double windowSeconds, String source, String scope) {

        static Limit of(LimitView v) {
            return new Limit(v.requests(), v.window().toMillis() / 1000.0, v.source().label(), v.scope());
        }

        String text() {
            return requests + "/" + (windowSeconds == Math.rint(windowSeconds) ? String.valueOf((long) windowSeconds)
                    : String.format(Locale.ROOT, "%.2f", windowSeconds)) + "s " + source;
        }
    }

    /** Task lines the printed table shows; the summary file lists them all. */
    static final int TABLE_ROWS = 50;

    public static BatchReport of(TaskLedger ledger, RotorMetrics metrics, RotationPolicy policy,
                                 List<ModelSpec> models, Duration wall) {
        Map<String, ModelFigures> figures = new LinkedHashMap<>();
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
            figures.put(m.id(), new ModelFigures(requests, ok, (long) metrics.failures(m), (long) mm.rateLimited().count(),
                    requests == 0 ? 0 : (double) ok / requests, mm.latency().mean(TimeUnit.MILLISECONDS), p95,
                    (long) mm.promptTokens().count(), (long) mm.completionTokens().count(),
                    (long) mm.rotationsTo().count(), policy.breakerState(m).name().toLowerCase(Locale.ROOT),
                    policy.limits().limitOf(m).map(Limit::of).orElse(null)));
        }
        int ended = ledger.count();
        int completed = ledger.completedCount();
        return new BatchReport(ended, completed, ended - completed, (int) metrics.totalRotations(),
                wall.toMillis(), ledger.entries(), figures);
    }

    @JsonProperty("success_rate")
    public double successRate() {
        return tasks == 0 ? 1.0 : (double) completed / tasks;
    }

    public String table() {
        StringBuilder out = new StringBuilder();
        out.append(String.format(Locale.ROOT, "%nRotor batch: %d tasks, %d completed, %d failed, %d rotations, wall time %.2f s%n%n",
                tasks, completed, failed, rotations, wallMs / 1000.0));
        out.append(String.format(Locale.ROOT, "%-24s %-10s %-46s %9s %5s %10s%n", "task", "status", "model", "rotations", "calls", "latency"));
        perTask.stream().sorted(java.util.Comparator.comparing(TaskLedger.Entry::id)).limit(TABLE_ROWS).forEach(e -> out.append(String.format(Locale.ROOT,
                "%-24s %-10s %-46s %9d %5d %7d ms%s%n", e.id(), e.status(), e.model(), e.rotations(), e.calls(), e.latencyMs(),
                e.error() == null ? "" : "  (" + e.error() + ")")));
        if (perTask.size() > TABLE_ROWS) {
            out.append(String.format(Locale.ROOT, "... and %d more tasks, listed in the run summary%n", perTask.size() - TABLE_ROWS));
        }
        out.append(String.format(Locale.ROOT, "%n%-46s %8s %6s %6s %5s %8s %8s %8s %15s %9s %9s  %s%n", "model", "requests",
                "ok", "failed", "429", "success", "mean ms", "p95 ms", "tokens in/out", "rotations", "breaker", "limit"));
        models.forEach((id, f) -> out.append(String.format(Locale.ROOT,
                "%-46s %8d %6d %6d %5d %7.1f%% %8.0f %8.0f %15s %9d %9s  %s%n", id, f.requests(), f.successes(), f.failures(),
                f.rateLimited(), f.successRate() * 100, f.latencyMeanMs(), f.latencyP95Ms(),
                f.promptTokens() + "/" + f.completionTokens(), f.rotationsTo(), f.breaker(),
                f.limit() == null ? "-" : f.limit().text())));
        return out.toString();
    }
}
