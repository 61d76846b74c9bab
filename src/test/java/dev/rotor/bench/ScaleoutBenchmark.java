package dev.rotor.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.RotorHarness;
import dev.rotor.support.TestKafkaBroker;
import dev.rotor.support.TestRedis;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;

/**
 * Scale-out on one account's limits, side by side in one run: N = 1, 2 and 3 Rotor processes ({@code java -jar
 * target/rotor.jar}) in one Kafka consumer group, on the simulator's account-wide pool (three {@code :free} models, 10
 * calls per 2 s) and a paid model (10 per 2 s): each with its own view of the limits ({@code memory}), sharing them on
 * Redis with the limits declared ({@code redis}), and sharing them with nothing declared ({@code redis_learned}). Then
 * the latency a call gains in {@code redis} mode over {@code memory} mode, at concurrency 1 on loopback Redis. Run with
 * {@code bench/run scaleout}; writes {@code bench/results.json}.
 */
public final class ScaleoutBenchmark {

    private static final int TASKS = Integer.getInteger("bench.scaleout.tasks", 300);
    private static final int PARTITIONS = 6;
    private static final long WINDOW_MS = 2_000;
    private static final int FREE_POOL_LIMIT = 10;
    private static final int PAID_LIMIT = 10;
    private static final long LATENCY_MS = 20;
    private static final List<String> FREE =
            List.of("vendor/model-a:free", "vendor/model-b:free", "vendor/model-c:free");
    private static final String PAID = "vendor/model-paid";
    /** Tasks each run begins with, before it is measured. */
    private static final int WARM_UP_TASKS = 30;

    private static final int LATENCY_CALLS = Integer.getInteger("bench.scaleout.latency-calls", 2000);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Runs only the variants named here (comma list such as {@code redis_n3}); all when empty. */
    private static final List<String> ONLY = List.of(
                    System.getProperty("bench.scaleout.only", "").split(","))
            .stream()
            .filter(v -> !v.isBlank())
            .toList();

    private ScaleoutBenchmark() {}

    record Mode(String name, boolean shared, boolean declared) {}

    static final List<Mode> MODES = List.of(
            new Mode("memory", false, true), new Mode("redis", true, true), new Mode("redis_learned", true, false));

    record Outcome(
            int completed,
            int duplicates,
            int deadLetters,
            double seconds,
            long calls,
            long rateLimited,
            long[] latencyMs) {

        double capacityRatio() {
            long capacity = (long) Math.ceil(seconds * 1000 / WINDOW_MS) * (FREE_POOL_LIMIT + PAID_LIMIT);
            return (double) completed / capacity;
        }

        Map<String, Object> figures() {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("capacity_ratio", Bench.round(capacityRatio()));
            f.put("rate_limited_per_task", Bench.round((double) rateLimited / Math.max(1, completed)));
            f.put("p99_ms", Bench.percentile(latencyMs, 0.99));
            f.put("completed", completed);
            f.put("duplicates", duplicates);
            f.put("dead_letters", deadLetters);
            f.put("seconds", Bench.round(seconds));
            f.put("calls", calls);
            return f;
        }
    }

    public static void main(String[] args) throws Exception {
        Path jar = Path.of("target/rotor.jar");
        if (!Files.exists(jar)) {
            throw new IllegalStateException("no target/rotor.jar: run bench/run scaleout (it packages first)");
        }
        Path work = Files.createTempDirectory("rotor-scaleout");
        Map<String, Object> figures = new LinkedHashMap<>();
        System.out.printf(
                Locale.ROOT,
                "Scale-out: %d tasks on a topic of %d partitions; 3 :free models share %d calls per "
                        + "%d ms, the paid model has %d; capacity %d calls per window; simulator latency %d ms%n",
                TASKS,
                PARTITIONS,
                FREE_POOL_LIMIT,
                WINDOW_MS,
                PAID_LIMIT,
                FREE_POOL_LIMIT + PAID_LIMIT,
                LATENCY_MS);
        try (TestKafkaBroker kafka = new TestKafkaBroker(work.resolve("kafka"));
                TestRedis redis = TestRedis.start()) {
            int run = 0;
            // "latency" alone measures just the added latency
            for (int n = 1; n <= 3 && !List.of(args).equals(List.of("latency")); n++) {
                for (Mode mode : MODES) {
                    run++;
                    String name = mode.name() + "_n" + n;
                    if (!ONLY.isEmpty() && !ONLY.contains(name)) {
                        continue;
                    }
                    Outcome o = runOnce(work.resolve("run-" + run), kafka, redis, mode, n, run, TASKS);
                    System.out.printf(
                            Locale.ROOT,
                            "%s: %d completed, %.3f of capacity, %.3f 429s per task, p99 %d ms, "
                                    + "%d duplicates, %.1f s%n",
                            name,
                            o.completed(),
                            o.capacityRatio(),
                            (double) o.rateLimited() / Math.max(1, o.completed()),
                            (long) Bench.percentile(o.latencyMs(), 0.99),
                            o.duplicates(),
                            o.seconds());
                    figures.put(name, o.figures());
                }
            }
            figures.put("added_latency", addedLatency(work.resolve("latency"), redis));
        }
        print(figures);
        Bench.writeResults("scaleout", figures);
    }

    private static Scenario scenario() {
        Scenario.Builder s = Scenario.builder()
                .latencyMs(LATENCY_MS)
                .serveUnknownModels(false)
                .pool("free-models-per-window", FREE_POOL_LIMIT, WINDOW_MS, ":free");
        FREE.forEach(m -> s.model(m, Scenario.ModelBehaviour.unlimited()));
        s.model(PAID, Scenario.ModelBehaviour.limited(PAID_LIMIT, WINDOW_MS));
        return s.build();
    }

    private static String modelsYaml(SimulatorServer sim, boolean declared) {
        StringBuilder yaml = new StringBuilder("providers:\n  openrouter:\n    base-url: " + sim.baseUrl()
                + "\n    api-key-env: " + RotorHarness.KEY_VARIABLE + "\n");
        yaml.append("limit-groups:\n  openrouter-free: { requests: ")
                .append(FREE_POOL_LIMIT)
                .append(", per: ")
                .append(WINDOW_MS)
                .append("ms }\nmodels:\n");
        FREE.forEach(m -> yaml.append("  - { id: \"")
                .append(m)
                .append("\", provider: openrouter")
                .append(declared ? ", limit-group: openrouter-free" : "")
                .append(" }\n"));
        yaml.append("  - { id: \"")
                .append(PAID)
                .append("\", provider: openrouter")
                .append(declared ? ", requests: " + PAID_LIMIT + ", per: " + WINDOW_MS + "ms" : "")
                .append(" }\n");
        return yaml.toString();
    }

    private static Outcome runOnce(
            Path dir, TestKafkaBroker kafka, TestRedis redis, Mode mode, int n, int run, int taskCount)
            throws Exception {
        Files.createDirectories(dir);
        String tasks = "tasks-" + run;
        String results = "results-" + run;
        String dlq = "dlq-" + run;
        String group = "rotor-" + run;
        kafka.createTopics(PARTITIONS, tasks, results, dlq);
        List<Process> processes = new ArrayList<>();
        try (SimulatorServer sim = SimulatorServer.start(scenario())) {
            Path models = dir.resolve("models.yaml");
            Files.writeString(models, modelsYaml(sim, mode.declared()));
            for (int i = 0; i < n; i++) {
                Map<String, String> env = new LinkedHashMap<>();
                env.put("ROTOR_MODELS_FILE", models.toString());
                env.put("ROTOR_SIMULATOR_ENABLED", "false");
                env.put("ROTOR_INTAKE", "kafka");
                env.put("ROTOR_OUTPUT", "kafka");
                env.put("ROTOR_KAFKA_BROKERS", kafka.bootstrap());
                env.put("ROTOR_KAFKA_TASKS_TOPIC", tasks);
                env.put("ROTOR_KAFKA_RESULTS_TOPIC", results);
                env.put("ROTOR_KAFKA_DEAD_LETTER_TOPIC", dlq);
                env.put("ROTOR_KAFKA_GROUP", group);
                // every process gets partitions: the group has one consumer per partition in all
                env.put("ROTOR_KAFKA_CONSUMERS", Integer.toString(PARTITIONS / n));
                env.put("ROTOR_ROTATION_USE_DECLARED_LIMITS", Boolean.toString(mode.declared()));
                env.put("ROTOR_STATE", mode.shared() ? "redis" : "memory");
                env.put("ROTOR_STATE_REDIS_URL", redis.url());
                env.put("ROTOR_STATE_PREFIX", "bench" + run + ":");
                env.put("ROTOR_OUTBOX_DIR", dir.resolve("outbox-" + i).toString());
                env.put("ROTOR_FAILED_DIR", dir.resolve("failed-" + i).toString());
                env.put("ROTOR_INBOX_DIR", dir.resolve("inbox-" + i).toString());
                // each run's own journal: one shared would answer the next run's tasks (the same ids) with no call
                env.put("ROTOR_CACHE_DIR", dir.resolve("cache-" + i).toString());
                env.put("ROTOR_RETRY_MAX_DELAY", "60s");
                processes.add(jarProcess(env, dir.resolve("rotor-" + i + ".log")));
            }
            Awaitility.await()
                    .atMost(Duration.ofSeconds(120))
                    .pollInterval(Duration.ofMillis(200))
                    .ignoreExceptions()
                    .until(() -> kafka.membersWithPartitions(group) == PARTITIONS);
            // every process warms up (JIT, connections) on a few tasks before the clock starts; then the windows
            // they used pass, so the measured run starts on an account with its whole capacity
            Map<String, String> warmUp = new LinkedHashMap<>();
            IntStream.range(0, WARM_UP_TASKS)
                    .forEach(i -> warmUp.put("w-" + i, "{\"id\":\"w-" + i + "\",\"prompt\":\"Warm up " + i + "\"}"));
            kafka.send(tasks, warmUp);
            kafka.readUntil(results, got -> got.size() >= WARM_UP_TASKS, Duration.ofMinutes(2));
            Thread.sleep(2 * WINDOW_MS + 500);
            Instant measuredFrom = Instant.now();
            Map<String, String> records = new LinkedHashMap<>();
            IntStream.range(0, taskCount)
                    .forEach(i -> records.put(
                            "s-" + i, "{\"id\":\"s-" + i + "\",\"prompt\":\"Summarise item " + i + " in one line.\"}"));
            long start = System.currentTimeMillis();
            kafka.send(tasks, records);
            List<TestKafkaBroker.Received> out = kafka
                    .readUntil(
                            results,
                            got -> got.stream()
                                            .filter(r -> r.key().startsWith("s-"))
                                            .map(TestKafkaBroker.Received::key)
                                            .distinct()
                                            .count()
                                    >= taskCount,
                            Duration.ofMinutes(5))
                    .stream()
                    .filter(r -> r.key().startsWith("s-"))
                    .toList();
            // what comes after the last one is a duplicate too
            List<TestKafkaBroker.Received> settled =
                    kafka.read(results, Integer.MAX_VALUE, Duration.ofSeconds(2)).stream()
                            .filter(r -> r.key().startsWith("s-"))
                            .toList();
            // from the tasks' sending to the last result's, as the broker stamped it: not how soon we read it
            long lastResult = out.stream()
                    .mapToLong(TestKafkaBroker.Received::timestampMs)
                    .max()
                    .orElse(start);
            double seconds = (lastResult - start) / 1000.0;
            int deadLetters =
                    kafka.read(dlq, Integer.MAX_VALUE, Duration.ofSeconds(1)).size();
            long distinct = settled.stream()
                    .map(TestKafkaBroker.Received::key)
                    .distinct()
                    .count();
            long[] latency = new long[settled.size()];
            for (int i = 0; i < settled.size(); i++) {
                JsonNode result = JSON.readTree(settled.get(i).value());
                latency[i] = result.path("latency_ms").asLong();
            }
            Arrays.sort(latency);
            List<SimulatorServer.Call> calls = sim.calls().stream()
                    .filter(c -> !c.at().isBefore(measuredFrom))
                    .toList();
            long rateLimited =
                    calls.stream().filter(c -> c.answer().startsWith("429")).count();
            printWindows(dir, calls, start);
            Files.write(
                    dir.resolve("calls.csv"),
                    calls.stream()
                            .map(c -> (c.at().toEpochMilli() - start) + "," + c.model() + "," + c.answer())
                            .toList());
            return new Outcome(
                    (int) Math.min(
                            distinct,
                            out.stream()
                                    .map(TestKafkaBroker.Received::key)
                                    .distinct()
                                    .count()),
                    settled.size() - (int) distinct,
                    deadLetters,
                    seconds,
                    calls.size(),
                    rateLimited,
                    latency);
        } finally {
            for (Process p : processes) {
                p.destroy();
            }
            for (Process p : processes) {
                if (!p.waitFor(20, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                }
            }
        }
    }

    /** Calls the simulator took in each window from the sending of the tasks: where capacity went unused. */
    private static void printWindows(Path dir, List<SimulatorServer.Call> calls, long start) {
        TreeMap<Long, int[]> windows = new TreeMap<>();
        for (SimulatorServer.Call c : calls) {
            int[] w = windows.computeIfAbsent((c.at().toEpochMilli() - start) / WINDOW_MS, k -> new int[2]);
            w[c.answer().startsWith("429") ? 1 : 0]++;
        }
        StringBuilder line = new StringBuilder("  calls per window (ok/429):");
        windows.forEach((k, w) -> line.append(' ').append(w[0]).append('/').append(w[1]));
        long first = calls.stream().mapToLong(c -> c.at().toEpochMilli()).min().orElse(start);
        System.out.println(line + String.format(Locale.ROOT, "; first call %d ms after sending", first - start));
        System.out.println("  every call: " + dir.resolve("calls.csv"));
    }

    private static Process jarProcess(Map<String, String> env, Path log) throws Exception {
        List<String> command = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-jar",
                "target/rotor.jar");
        ProcessBuilder pb =
                new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("CAMEL_MANAGEMENT_ENABLED", "false");
        pb.environment().put(RotorHarness.KEY_VARIABLE, RotorHarness.DEFAULT_KEY);
        pb.environment().putAll(env);
        return pb.start();
    }

    /**
     * One Rotor in this JVM per mode, on the same simulator (no latency, no limit reached), tasks one at a time, the
     * two modes taking turns task by task: the median time a task takes in each, and the difference.
     */
    private static Map<String, Object> addedLatency(Path dir, TestRedis redis) throws Exception {
        Scenario scenario = Scenario.builder().latencyMs(0).build();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness memory = latencyHarness(dir.resolve("memory"), sim).start();
                RotorHarness shared = latencyHarness(dir.resolve("redis"), sim)
                        .set("rotor.state", "redis")
                        .set("rotor.state.redis-url", redis.url())
                        .set("rotor.state.prefix", "latency:")
                        .start()) {
            RotorCore memoryCore = new RotorCore(memory.context());
            RotorCore redisCore = new RotorCore(shared.context());
            Map<String, Bench.Call> paths = new LinkedHashMap<>();
            paths.put("memory", i -> memoryCore.complete(task(i)));
            paths.put("redis", i -> redisCore.complete(task(i)));
            Bench.interleavedLatencies(paths, LATENCY_CALLS / 4);
            Map<String, long[]> ns = Bench.interleavedLatencies(paths, LATENCY_CALLS);
            double memoryMs = Bench.percentile(ns.get("memory"), 0.5) / 1e6;
            double redisMs = Bench.percentile(ns.get("redis"), 0.5) / 1e6;
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("calls", LATENCY_CALLS);
            f.put("memory_p50_ms", Bench.round(memoryMs));
            f.put("redis_p50_ms", Bench.round(redisMs));
            f.put("added_p50_ms", Bench.round(redisMs - memoryMs));
            f.put("memory_p99_ms", Bench.round(Bench.percentile(ns.get("memory"), 0.99) / 1e6));
            f.put("redis_p99_ms", Bench.round(Bench.percentile(ns.get("redis"), 0.99) / 1e6));
            return f;
        }
    }

    private static RotorHarness latencyHarness(Path root, SimulatorServer sim) {
        // a generous declared quota, so the admission script counts every call in a window as it does in earnest
        return RotorHarness.on(
                root,
                sim,
                Map.of("vendor/primary", ", requests: 1000000, per: 60s"),
                "vendor/primary",
                "vendor/secondary");
    }

    private static String task(int i) {
        return "{\"id\":\"l-" + i + "\",\"prompt\":\"Summarise item " + i + " in one line.\"}";
    }

    @SuppressWarnings("unchecked")
    private static void print(Map<String, Object> figures) {
        if (figures.size() == 1) {
            System.out.println(figures);
            return;
        }
        System.out.printf(
                "%n%-18s %9s %8s %9s %12s %8s %10s%n",
                "variant", "completed", "seconds", "capacity", "429s/task", "p99 ms", "duplicates");
        figures.forEach((name, value) -> {
            if (!name.startsWith("added")) {
                Map<String, Object> f = (Map<String, Object>) value;
                System.out.printf(
                        Locale.ROOT,
                        "%-18s %9s %8s %9s %12s %8s %10s%n",
                        name,
                        f.get("completed"),
                        f.get("seconds"),
                        f.get("capacity_ratio"),
                        f.get("rate_limited_per_task"),
                        f.get("p99_ms"),
                        f.get("duplicates"));
            }
        });
        Map<String, Object> lat = (Map<String, Object>) figures.get("added_latency");
        System.out.printf(
                Locale.ROOT,
                "added latency per call, redis over memory, concurrency 1: median %s ms "
                        + "(memory %s ms, redis %s ms); target <= 0.5 ms%n",
                lat.get("added_p50_ms"),
                lat.get("memory_p50_ms"),
                lat.get("redis_p50_ms"));
        System.out.println("targets with redis, every N: declared >= 0.95 of capacity, <= 0.05 429s per task; learned "
                + ">= 0.9, <= 0.15; all completed, none twice");
        for (int n = 1; n <= 3; n++) {
            check(figures, "redis_n" + n, 0.95, 0.05);
            check(figures, "redis_learned_n" + n, 0.9, 0.15);
        }
    }

    @SuppressWarnings("unchecked")
    private static void check(Map<String, Object> figures, String name, double capacity, double rateLimited) {
        Map<String, Object> f = (Map<String, Object>) figures.get(name);
        if (f == null) {
            // a variant left out with bench.scaleout.only
            return;
        }
        double c = (double) f.get("capacity_ratio");
        double r = (double) f.get("rate_limited_per_task");
        boolean all = (int) f.get("completed") == TASKS && (int) f.get("duplicates") == 0;
        System.out.printf(
                Locale.ROOT,
                "%-18s capacity %.3f (%s), 429s per task %.3f (%s), all once (%s)%n",
                name,
                c,
                c >= capacity ? "met" : "NOT met",
                r,
                r <= rateLimited ? "met" : "NOT met",
                all ? "met" : "NOT met");
    }
}
