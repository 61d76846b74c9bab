package dev.rotor.batch;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.limits.Windows;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Batch mode: counts the tasks in the inbox at start, waits until each has a result or a dead letter, prints the table,
 * writes run-summary.json, and ends the process (exit 1 if any task failed).
 */
public final class BatchRun implements Runnable {

    private static final Logger LOG = LoggerFactory.getLogger(BatchRun.class);

    /** How often the wait looks at the output and the progress line. */
    private static final Duration TICK = Duration.ofSeconds(1);

    private final BatchSettings settings;
    private final int expected;
    private final TaskLedger ledger;
    private final Function<Duration, BatchReport> reportAfter;
    private final Supplier<Optional<Duration>> outputRefusingFor;
    private final ObjectMapper json;
    private final IntConsumer finish;
    private final Duration progressEvery;
    private final long startNanos = System.nanoTime();
    private volatile BatchReport report;

    /**
     * @param reportAfter the figures after the wall time given
     * @param outputRefusingFor how long the output has refused every outcome, if it does now
     * @param finish ends the process with the given exit code
     */
    public BatchRun(
            BatchSettings settings,
            TaskLedger ledger,
            Function<Duration, BatchReport> reportAfter,
            Supplier<Optional<Duration>> outputRefusingFor,
            ObjectMapper json,
            IntConsumer finish) {
        this.settings = settings;
        this.progressEvery = BatchProgress.every(settings.progressEvery());
        this.expected = countTasks(settings.inbox());
        this.ledger = ledger;
        this.reportAfter = reportAfter;
        this.outputRefusingFor = outputRefusingFor;
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
        End end;
        try {
            end = awaitAll();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        if (end == End.TIMED_OUT) {
            LOG.error("batch mode: only {} of {} task(s) ended within {}", ledger.count(), expected, settings.atMost());
        } else if (end == End.OUTPUT_REFUSING) {
            LOG.error(
                    "batch mode: the output has refused every result for over {} (rotor.output.give-up): the run ends"
                            + " with {} of {} task(s) delivered, the others left in the inbox",
                    Windows.text(settings.outputGiveUp()),
                    ledger.count(),
                    expected);
        }
        report = reportAfter.apply(Duration.ofNanos(System.nanoTime() - startNanos));
        System.out.println(report.table());
        writeSummary();
        finish.accept(report.failed() == 0 && report.tasks() == expected ? 0 : 1);
    }

    private void writeSummary() {
        Path summaryFile = settings.summaryFile();
        try {
            Path parent = summaryFile.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path temp = Files.createTempFile(parent, ".run-summary", ".tmp");
            json.writerWithDefaultPrettyPrinter().writeValue(temp.toFile(), report);
            Files.move(temp, summaryFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            LOG.info("run summary written to {}", summaryFile);
        } catch (IOException e) {
            LOG.error("cannot write the run summary to {}: {}", summaryFile, e.toString());
        }
    }

    private enum End {
        ALL_ENDED,
        TIMED_OUT,
        OUTPUT_REFUSING
    }

    /**
     * Waits for every task, with a progress line now and then for a batch of more than a handful; gives up early when
     * the output has refused every outcome for longer than the batch allows.
     */
    private End awaitAll() throws InterruptedException {
        BatchProgress progress =
                BatchProgress.worthIt(expected) ? new BatchProgress(expected, ledger, System.out) : null;
        long end = System.nanoTime() + settings.atMost().toNanos();
        long nextProgress = System.nanoTime() + progressEvery.toNanos();
        while (true) {
            long wake = Math.min(end, System.nanoTime() + TICK.toNanos());
            if (progress != null) {
                wake = Math.min(wake, nextProgress);
            }
            if (ledger.awaitCount(expected, Duration.ofNanos(Math.max(0, wake - System.nanoTime())))) {
                return End.ALL_ENDED;
            }
            long now = System.nanoTime();
            if (now >= end) {
                return End.TIMED_OUT;
            }
            if (outputRefusingFor
                    .get()
                    .filter(d -> d.compareTo(settings.outputGiveUp()) > 0)
                    .isPresent()) {
                return End.OUTPUT_REFUSING;
            }
            if (progress != null && now >= nextProgress) {
                progress.print(Duration.ofNanos(now - startNanos));
                nextProgress = now + progressEvery.toNanos();
            }
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
