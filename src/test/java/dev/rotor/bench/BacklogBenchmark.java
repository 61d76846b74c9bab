package dev.rotor.bench;

import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.RotorHarness;
import dev.rotor.support.RotorProcess;
import dev.rotor.support.TestKafkaBroker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A backlog at scale: 100,000 tasks through the file inbox and through Kafka, the simulator at zero latency, Rotor in a
 * process of its own with {@code -Xmx256m} as a user would start it. Reports tasks per second (from Rotor's start to
 * the last result, JVM start-up included) and the peak heap from the JVM's own GC log. Run with {@code bench/run
 * backlog}; writes {@code bench/results.json}.
 */
public final class BacklogBenchmark {

    private static final int TASKS = Integer.getInteger("bench.backlog.tasks", 100_000);
    private static final String HEAP = "-Xmx256m";
    private static final Duration AT_MOST = Duration.ofMinutes(30);
    /** G1's pause lines: "... Pause Young (Normal) (G1 Evacuation Pause) 120M->31M(256M) 4.2ms". */
    private static final Pattern GC_PAUSE = Pattern.compile("(\\d+)M->(\\d+)M\\((\\d+)M\\)");

    private BacklogBenchmark() {}

    public static void main(String[] args) throws Exception {
        List<String> transports = args.length == 0 ? List.of("file", "kafka") : List.of(args);
        Path work = Files.createTempDirectory("rotor-backlog");
        Map<String, Run> runs = new LinkedHashMap<>();
        try (SimulatorServer sim = SimulatorServer.start(Scenario.builder().build())) {
            Files.writeString(work.resolve("models.yaml"), RotorHarness.modelsYaml(sim, Map.of(), "vendor/model"));
            if (transports.contains("file")) {
                runs.put("file", throughInbox(work.resolve("file"), work.resolve("models.yaml")));
            }
            if (transports.contains("kafka")) {
                runs.put("kafka", throughKafka(work.resolve("kafka"), work.resolve("models.yaml")));
            }
        }
        System.out.printf(Locale.ROOT, "%nBacklog, %d tasks, simulator at zero latency, Rotor with %s%n", TASKS, HEAP);
        System.out.printf(
                Locale.ROOT,
                "%-8s %9s %9s %10s %15s %18s%n",
                "intake",
                "results",
                "seconds",
                "tasks/s",
                "peak heap MB",
                "live after GC MB");
        runs.forEach((transport, r) -> System.out.printf(
                Locale.ROOT,
                "%-8s %9d %9.1f %10.0f %15d %18d%n",
                transport,
                r.results(),
                r.seconds(),
                r.tasksPerSecond(),
                r.peakHeapMb(),
                r.peakLiveMb()));
        Run headline = runs.values().iterator().next();
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("tasks", headline.results());
        figures.put("tasks_per_s", Bench.round(headline.tasksPerSecond()));
        figures.put("peak_heap_mb", headline.peakHeapMb());
        runs.forEach((transport, r) -> figures.put(transport, r.figures()));
        Bench.writeResults("backlog", figures);
    }

    /** One transport's run: results found, seconds from Rotor's start to the last, and the GC log's peaks. */
    record Run(int results, double seconds, long peakHeapMb, long peakLiveMb) {
        double tasksPerSecond() {
            return results / seconds;
        }

        Map<String, Object> figures() {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("tasks", results);
            f.put("tasks_per_s", Bench.round(tasksPerSecond()));
            f.put("peak_heap_mb", peakHeapMb);
            f.put("peak_live_after_gc_mb", peakLiveMb);
            return f;
        }
    }

    private static Run throughInbox(Path root, Path models) throws Exception {
        Path inbox = Files.createDirectories(root.resolve("inbox"));
        Path outbox = root.resolve("outbox");
        for (int i = 0; i < TASKS; i++) {
            String id = String.format(Locale.ROOT, "backlog-%06d", i);
            Files.writeString(inbox.resolve(id + ".json"), "{\"id\":\"" + id + "\",\"prompt\":\"Task " + i + "\"}");
        }
        System.out.printf("backlog (file): %d tasks written to %s; Rotor starts in batch mode%n", TASKS, inbox);
        long start = System.nanoTime();
        Process rotor = RotorProcess.start(
                jvmOptions(root),
                Map.of(
                        "ROTOR_BATCH",
                        "true",
                        "ROTOR_INBOX_DIR",
                        inbox.toString(),
                        "ROTOR_OUTBOX_DIR",
                        outbox.toString(),
                        "ROTOR_FAILED_DIR",
                        root.resolve("failed").toString(),
                        "ROTOR_MODELS_FILE",
                        models.toString(),
                        "ROTOR_BATCH_SUMMARY_FILE",
                        root.resolve("run-summary.json").toString(),
                        "ROTOR_INBOX_MIN_AGE",
                        "0"),
                root.resolve("rotor.log"));
        if (!rotor.waitFor(AT_MOST.toMinutes(), TimeUnit.MINUTES)) {
            rotor.destroyForcibly();
            throw new IllegalStateException(
                    "the file backlog did not finish within " + AT_MOST + "; see " + root.resolve("rotor.log"));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        int results;
        try (Stream<Path> files = Files.list(outbox)) {
            results = (int) files.filter(f -> f.getFileName().toString().endsWith(".json"))
                    .count();
        }
        return withHeap(root, results, seconds);
    }

    private static Run throughKafka(Path root, Path models) throws Exception {
        Files.createDirectories(root);
        try (TestKafkaBroker broker = new TestKafkaBroker(root.resolve("kafka"))) {
            broker.createTopics(4, "backlog-tasks", "backlog-results", "backlog-dlq");
            Map<String, String> tasks = new LinkedHashMap<>();
            for (int i = 0; i < TASKS; i++) {
                String id = String.format(Locale.ROOT, "backlog-%06d", i);
                tasks.put(id, "{\"id\":\"" + id + "\",\"prompt\":\"Task " + i + "\"}");
            }
            broker.send("backlog-tasks", tasks);
            System.out.printf("backlog (kafka): %d records on backlog-tasks; Rotor starts%n", TASKS);
            long start = System.nanoTime();
            Process rotor = RotorProcess.start(
                    jvmOptions(root),
                    Map.of(
                            "ROTOR_INTAKE",
                            "kafka",
                            "ROTOR_OUTPUT",
                            "kafka",
                            "ROTOR_KAFKA_BROKERS",
                            broker.bootstrap(),
                            "ROTOR_KAFKA_TASKS_TOPIC",
                            "backlog-tasks",
                            "ROTOR_KAFKA_RESULTS_TOPIC",
                            "backlog-results",
                            "ROTOR_KAFKA_DEAD_LETTER_TOPIC",
                            "backlog-dlq",
                            "ROTOR_KAFKA_CONSUMERS",
                            "4",
                            "ROTOR_MODELS_FILE",
                            models.toString()),
                    root.resolve("rotor.log"));
            try {
                Set<String> done = new HashSet<>();
                int[] counted = {0};
                broker.readUntil(
                        "backlog-results",
                        got -> {
                            for (; counted[0] < got.size(); counted[0]++) {
                                done.add(got.get(counted[0]).key());
                            }
                            return done.size() >= TASKS || !rotor.isAlive();
                        },
                        AT_MOST);
                double seconds = (System.nanoTime() - start) / 1e9;
                return withHeap(root, stopped(rotor, done.size()), seconds);
            } finally {
                rotor.destroyForcibly();
            }
        }
    }

    /** Stops Rotor as an operator would (SIGTERM, a graceful shutdown) so its GC log is complete. */
    private static int stopped(Process rotor, int results) throws InterruptedException {
        rotor.destroy();
        if (!rotor.waitFor(60, TimeUnit.SECONDS)) {
            rotor.destroyForcibly();
        }
        return results;
    }

    private static List<String> jvmOptions(Path root) {
        return List.of(HEAP, "-Xlog:gc:file=" + root.resolve("gc.log"));
    }

    private static Run withHeap(Path root, int results, double seconds) throws IOException {
        long peak = 0;
        long live = 0;
        for (String line : Files.readAllLines(root.resolve("gc.log"))) {
            Matcher pause = GC_PAUSE.matcher(line);
            if (pause.find()) {
                peak = Math.max(peak, Long.parseLong(pause.group(1)));
                live = Math.max(live, Long.parseLong(pause.group(2)));
            }
        }
        return new Run(results, seconds, peak, live);
    }
}
