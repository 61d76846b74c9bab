package dev.rotor.batch;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import dev.rotor.core.ExchangeKeys;
import dev.rotor.metrics.RotorMetrics;
import dev.rotor.transport.TransportMetrics;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import org.apache.camel.Exchange;

/**
 * The one place a task ends: called once its result or dead letter has been written, it counts the task (overall and
 * per transport) and keeps a line on it.
 */
public final class TaskLedger {

    /**
     * One finished task, for the batch table and the status page.
     *
     * @param cached completed from a kept answer (or the same task's in flight), with no call
     * @param error a dead letter's type; null when it completed
     * @param reason a dead letter's message; null when it completed
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Entry(
            String id,
            String status,
            String model,
            int rotations,
            int calls,
            long latencyMs,
            boolean cached,
            String error,
            @JsonInclude(JsonInclude.Include.NON_NULL) String reason) {
        @JsonIgnore
        public boolean completed() {
            return "completed".equals(status);
        }
    }

    /** The exchange property that carries the ended task's line, set with its outcome document. */
    private final RotorMetrics metrics;

    private final TransportMetrics transports;
    /** Lines are kept for the last this many tasks, so a Rotor that runs for weeks does not grow without end. */
    public static final int MAX_KEPT = 100_000;

    private final Deque<Entry> entries = new ArrayDeque<>();
    private int ended;
    private int completed;

    public TaskLedger(RotorMetrics metrics, TransportMetrics transports) {
        this.metrics = metrics;
        this.transports = transports;
    }

    public void ended(Exchange exchange) {
        Entry entry = exchange.getProperty(ExchangeKeys.LEDGER_ENTRY, Entry.class);
        boolean completed = entry.completed();
        transports.ended(exchange, completed);
        if (completed) {
            metrics.taskCompleted();
        } else {
            metrics.taskDeadLettered(entry.id(), entry.model(), entry.error() + ": " + entry.reason());
        }
        synchronized (entries) {
            if (entries.size() == MAX_KEPT) {
                entries.removeFirst();
            }
            entries.addLast(entry);
            ended++;
            if (completed) {
                this.completed++;
            }
            entries.notifyAll();
        }
    }

    /** The lines of the last {@link #MAX_KEPT} tasks that ended, oldest first. */
    public List<Entry> entries() {
        synchronized (entries) {
            return List.copyOf(entries);
        }
    }

    /** Tasks that ended, with a result or a dead letter. */
    public int count() {
        synchronized (entries) {
            return ended;
        }
    }

    public int completedCount() {
        synchronized (entries) {
            return completed;
        }
    }

    /** Blocks until {@code expected} tasks have ended or the time is up; batch mode waits here. */
    public boolean awaitCount(int expected, Duration atMost) throws InterruptedException {
        long end = System.nanoTime() + atMost.toNanos();
        synchronized (entries) {
            while (ended < expected) {
                long left = end - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                entries.wait(Math.max(1, Math.min(1_000, left / 1_000_000)));
            }
            return true;
        }
    }
}
