package dev.rotor.batch;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The progress line of a batch: done of total, completed and failed, tasks per second, the time left at that rate, and
 * the models that served since the last line. Printed every few seconds on a terminal, every 30 s otherwise, and only
 * for more than a handful of tasks.
 */
final class BatchProgress {

    /** Batches up to this size finish before a line would help. */
    static final int HANDFUL = 10;

    static final Duration ON_A_TERMINAL = Duration.ofSeconds(2);
    static final Duration OTHERWISE = Duration.ofSeconds(30);

    private final int total;
    private final TaskLedger ledger;
    private final PrintStream out;
    private int seen;

    BatchProgress(int total, TaskLedger ledger, PrintStream out) {
        this.total = total;
        this.ledger = ledger;
        this.out = out;
    }

    /** How often, for a batch of {@code total}: empty setting means by whether stdout is a terminal. */
    static Duration every(Duration setting) {
        if (!setting.isZero()) {
            return setting;
        }
        return System.console() != null ? ON_A_TERMINAL : OTHERWISE;
    }

    static boolean worthIt(int total) {
        return total > HANDFUL;
    }

    void print(Duration elapsed) {
        List<TaskLedger.Entry> entries = ledger.entries();
        int done = entries.size();
        long completed = entries.stream().filter(TaskLedger.Entry::completed).count();
        Map<String, Integer> models = new TreeMap<>();
        for (TaskLedger.Entry e : entries.subList(Math.min(seen, done), done)) {
            models.merge(e.model(), 1, Integer::sum);
        }
        seen = done;
        double seconds = Math.max(0.001, elapsed.toMillis() / 1000.0);
        double rate = done / seconds;
        String eta = rate > 0 ? formatSeconds(Math.round((total - done) / rate)) : "-";
        out.printf(
                Locale.ROOT,
                "progress: %d/%d done (%d completed, %d failed), %.1f tasks/s, ETA %s, models: %s%n",
                done,
                total,
                completed,
                done - completed,
                rate,
                eta,
                models.isEmpty()
                        ? "-"
                        : models.toString().replace("{", "").replace("}", "").replace("=", " "));
    }

    private static String formatSeconds(long s) {
        return s >= 3600
                ? String.format(Locale.ROOT, "%dh%02dm", s / 3600, s % 3600 / 60)
                : s >= 60 ? String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60) : s + "s";
    }
}
