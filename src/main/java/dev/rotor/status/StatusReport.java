package dev.rotor.status;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.rotor.limits.BudgetView;
import dev.rotor.metrics.RecentEvents;
import dev.rotor.metrics.RotorMetrics;
import dev.rotor.models.ModelSpec;
import dev.rotor.models.Money;
import dev.rotor.rotation.RotationPolicy;
import dev.rotor.transport.TransportMetrics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;

/** What the status page shows, read from the policy, the limit state and the meters: the body of status.json. */
public final class StatusReport {

    private static final String COMPLETED = "completed";
    private static final String RATE_LIMITED = "rate_limited";

    /** One transport: tasks in it now, and what it did in the last minute. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record TransportStatus(
            String name,
            int inFlight,
            int waiting,
            long parkedPerMinute,
            long completedPerMinute,
            long deadLetteredPerMinute) {}

    /** Tasks completed and 429s met in each second of the last ten minutes, oldest first. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Chart(long endSecond, List<Double> completed, List<Double> rateLimited) {}

    /** One budget: its scope and window, what it allows, what was spent or is held, and when it resets. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record BudgetLine(
            String scope, String window, double budgetUsd, double spentUsd, double leftUsd, Instant resetsAt) {

        static BudgetLine of(BudgetView b) {
            return new BudgetLine(
                    b.scope(),
                    b.window().label(),
                    Money.usd(b.capPicoUsd()),
                    Money.usd(b.spentPicoUsd()),
                    Money.usd(b.remainingPicoUsd()),
                    b.resetsAt());
        }
    }

    /** The whole document. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Status(
            Instant now,
            String stateStore,
            boolean stateDegraded,
            long completed,
            long cached,
            long deadLettered,
            List<ModelStatus> models,
            List<BudgetLine> budgets,
            List<TransportStatus> transports,
            List<RecentEvents.Rotation> rotations,
            List<RecentEvents.DeadLetter> deadLetters,
            Chart chart) {}

    private final RotationPolicy policy;
    private final RotorMetrics metrics;
    private final TransportMetrics transports;
    private final List<String> transportNames;
    private final List<ModelSpec> models;
    private final MeterRegistry meters;
    private final Clock clock;
    private final String stateStore;
    private final BooleanSupplier degraded;
    private final Timeline timeline;

    /**
     * @param transportNames the transports tasks come from in this process
     * @param stateStore where the limit state lives (memory, redis)
     * @param degraded true while a shared state is out of reach
     */
    public StatusReport(
            RotationPolicy policy,
            RotorMetrics metrics,
            TransportMetrics transports,
            List<String> transportNames,
            List<ModelSpec> models,
            MeterRegistry meters,
            Clock clock,
            String stateStore,
            BooleanSupplier degraded) {
        this.policy = policy;
        this.metrics = metrics;
        this.transports = transports;
        this.transportNames = List.copyOf(transportNames);
        this.models = List.copyOf(models);
        this.meters = meters;
        this.clock = clock;
        this.stateStore = stateStore;
        this.degraded = degraded;
        this.timeline = new Timeline(this::totals);
    }

    /** Samples the running totals for the chart and the per-minute figures; called once a second. */
    public void sample() {
        timeline.sample(clock.instant().getEpochSecond());
    }

    public Status now() {
        Instant now = clock.instant();
        List<ModelStatus> lines = models.stream()
                .map(m -> ModelStatus.of(m, policy, metrics, now, models))
                .toList();
        List<TransportStatus> flows = transportNames.stream()
                .map(t -> new TransportStatus(
                        t,
                        transports.inFlight(t),
                        transports.waiting(t),
                        Math.round(timeline.lastMinute(t + ".parked")),
                        Math.round(timeline.lastMinute(t + ".completed")),
                        Math.round(timeline.lastMinute(t + ".dead_lettered"))))
                .toList();
        Timeline.Series completed = timeline.perSecond(COMPLETED);
        List<BudgetLine> budgets =
                policy.limits().budgets(now).stream().map(BudgetLine::of).toList();
        return new Status(
                now,
                stateStore,
                degraded.getAsBoolean(),
                Math.round(count("rotor.tasks", "status", "completed")),
                Math.round(metrics.cacheHits()),
                Math.round(count("rotor.tasks", "status", "failed")),
                lines,
                budgets,
                flows,
                metrics.recent().rotations(),
                metrics.recent().deadLetters(),
                new Chart(
                        completed.endSecond(),
                        completed.perSecond(),
                        timeline.perSecond(RATE_LIMITED).perSecond()));
    }

    private Map<String, Double> totals() {
        Map<String, Double> totals = new LinkedHashMap<>();
        totals.put(COMPLETED, count("rotor.tasks", "status", "completed"));
        totals.put(
                RATE_LIMITED,
                meters.find("rotor.model.rate.limited").counters().stream()
                        .mapToDouble(Counter::count)
                        .sum());
        for (String t : transportNames) {
            totals.put(t + ".parked", count("rotor.transport.parked", "transport", t));
            totals.put(t + ".completed", count("rotor.transport.completed", "transport", t));
            totals.put(t + ".dead_lettered", count("rotor.transport.dead.lettered", "transport", t));
        }
        return totals;
    }

    private double count(String name, String tag, String value) {
        Counter c = meters.find(name).tag(tag, value).counter();
        return c == null ? 0 : c.count();
    }
}
