package dev.rotor.batch;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.IntConsumer;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import com.fasterxml.jackson.databind.ObjectMapper;

import dev.rotor.metrics.RotorMetrics;
import dev.rotor.models.ModelSpec;
import dev.rotor.rotation.RotationPolicy;

/**
 * Batch mode: counts the tasks in the inbox at start, waits until each has a result or a dead letter, prints the
 * table, writes run-summary.json, and ends the process (exit 1 if any task failed).
 */
public final class BatchRun implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(BatchRun.class);

    private final int expected;
    private final TaskLedger ledger;
    private final RotorMetrics metrics;
    private final RotationPolicy policy;
    private final List<ModelSpec> models;
    private final Path summaryFile;
    private final ObjectMapper json;
    private final IntConsumer finish;
    private final Duration atMost;
    private final Duration progressEvery;
    private final long startNanos = System.nanoTime();
    private volatile BatchReport report;

    /** @param progressEvery how often a progress line is printed; zero: every 2 s on a terminal, every 30 s otherwise */
    public BatchRun(Path inbox, TaskLedger ledger, RotorMetrics metrics, RotationPolicy policy, List<ModelSpec> models,
                    Path summaryFile, ObjectMapper json, Duration atMost, Duration progressEvery, IntConsumer finish) {
        this.atMost = atMost;
        this.progressEvery = BatchProgress.every(progressEvery);
        this.expected = countTasks(inbox);
        this.ledger = ledger;
        this.metrics = metrics;
        this.policy = policy;
        this.models = models;
        this.summaryFile = summaryFile;
        this.json = json;
        this.finish = finish;
    }

    public int expected() {
        return expected;
    }

    public BatchReport report() {
        return report;
    }

    @Override
    public void run() {
        LOG.info("batch mode: {} task(s) in the inbox", expected);
        try {
            if (!awaitAll()) {
                LOG.error("batch mode: only {} of {} task(s) ended within {}", ledger.count(), expected, atMost);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        report = BatchReport.of(ledger, metrics, policy, models, Duration.ofNanos(System.nanoTime() - startNanos));
        System.out.println(report.table());
        try {
            Path parent = summaryFile.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path temp = Files.createTempFile(parent, ".run-summary", ".tmp");
            json.writerWithDefaultPrettyPrinter().writeValue(temp.toFile(), report);
            Files.move(temp, summaryFile, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            LOG.info("run summary written to {}", summaryFile);
        } catch (IOException e) {
            LOG.error("cannot write the run summary to {}: {}", summaryFile, e.toString());
        }
        finish.accept(report.failed() == 0 && report.tasks() == expected ? 0 : 1);
    }

    /** Waits for every task, with a progress line now and then for a batch of more than a handful. */
    private boolean awaitAll() throws InterruptedException {
        if (!BatchProgress.worthIt(expected)) {
            return ledger.awaitCount(expected, atMost);
        }
        BatchProgress progress = new BatchProgress(expected, ledger, System.out);
        long end = System.nanoTime() + atMost.toNanos();
        while (true) {
            Duration left = Duration.ofNanos(end - System.nanoTime());
            Duration slice = left.compareTo(progressEvery) < 0 ? left : progressEvery;
            if (ledger.awaitCount(expected, slice)) {
                return true;
            }
            if (System.nanoTime() >= end) {
                return false;
            }
            progress.print(Duration.ofNanos(System.nanoTime() - startNanos));
        }
    }

    private static int countTasks(Path inbox) {
        if (!Files.isDirectory(inbox)) {
            return 0;
        }
        int n = 0;
        try (DirectoryStream<Path> files = Files.newDirectoryStream(inbox, "*.json")) {
            for (Path f : files) {
                if (Files.isRegularFile(f) && !f.getFileName().toString().startsWith(".")) {
                    n++;
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list the inbox " + inbox, e);
        }
        return n;
    }
}
