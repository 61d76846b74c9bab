package dev.rotor.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.cache.ResultCache;
import dev.rotor.core.ExchangeKeys;
import dev.rotor.core.TaskIntake;
import dev.rotor.rotation.TaskProgress;
import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.RotorHarness;
import dev.rotor.support.TestRedis;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.spi.Synchronization;
import org.apache.camel.support.DefaultExchange;

/**
 * The result cache, side by side in one run. Re-run: 1,000 tasks dropped in the file inbox and completed, then the same
 * 1,000 again with new ids, other metadata and the fields in another order, 10 prompts changed; the calls the second
 * run makes, with the cache in the folder (the second run on a restarted Rotor), on Redis (the second run on another
 * Rotor, sharing nothing but Redis) and off. Lookup cost: what {@link ResultCache#lookup} takes per task, for a hit and
 * a miss, in the folder and on Redis, the paths taking turns lookup by lookup. Run with {@code bench/run cache} (needs
 * redis-server); writes {@code bench/results.json}.
 */
public final class CacheBenchmark {

    private static final int TASKS = Integer.getInteger("bench.cache.tasks", 1000);
    private static final int CHANGED = 10;
    private static final int LOOKUPS = Integer.getInteger("bench.cache.lookups", 20_000);
    private static final long LATENCY_MS = 20;
    /** A chain of two: the key holds both ids. */
    private static final String[] MODELS = {"sim/alpha", "sim/beta"};

    private static final String PREFIX = "cache-bench:";
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(10);
    private static final double LOOKUP_TARGET_MS = 0.1;
    /**
     * Rotor's default is 50 ms. This machine is shared: a scheduler stall longer than that makes the store take Redis
     * for lost for half a second, and the answers it is given meanwhile are dropped (fail-open, as designed), which
     * would measure the stall, not the cache.
     */
    private static final String REDIS_TIMEOUT = System.getProperty("bench.cache.redis-timeout", "1s");

    private static final ObjectMapper JSON = new ObjectMapper();

    private CacheBenchmark() {}

    /** Where answers are kept, if anywhere. */
    record Variant(String name, boolean cache, boolean redis) {}

    static final List<Variant> VARIANTS = List.of(
            new Variant("cache_on_memory", true, false),
            new Variant("cache_on_redis", true, true),
            new Variant("cache_off", false, false));

    /** One pass of the backlog through the inbox. */
    record Run(int completed, int results, int cached, long calls, long kept, double seconds) {

        Map<String, Object> figures() {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("completed", completed);
            f.put("results", results);
            f.put("cached", cached);
            f.put("calls", calls);
            f.put("answers_kept", kept);
            f.put("seconds", Bench.round(seconds));
            return f;
        }
    }

    record Outcome(Run first, Run second) {

        long expectedSecondCalls(Variant v) {
            return v.cache() ? CHANGED : TASKS;
        }

        boolean callsMet(Variant v) {
            return second.calls() == expectedSecondCalls(v);
        }

        boolean allCompleted() {
            return Stream.of(first, second).allMatch(r -> r.completed() == TASKS && r.results() == TASKS);
        }

        Map<String, Object> figures() {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("first_run", first.figures());
            f.put("second_run", second.figures());
            return f;
        }
    }

    /** The backlog, and the same again as a re-export would give it. */
    record Backlog(List<String> prompts) {

        static Backlog random() {
            Random random = new Random(7);
            List<String> prompts = new ArrayList<>();
            for (int i = 0; i < TASKS; i++) {
                // 100 to 600 words: prompts of about 0.6 to 3.5 KB, whose hashing is part of every lookup
                int words = 100 + random.nextInt(500);
                StringBuilder prompt = new StringBuilder("Summarise:");
                for (int w = 0; w < words; w++) {
                    prompt.append(' ').append(Integer.toString(random.nextInt(1 << 20), 36));
                }
                prompts.add(prompt.toString());
            }
            return new Backlog(prompts);
        }

        static boolean changed(int i) {
            int every = TASKS / CHANGED;
            return i % every == 0 && i / every < CHANGED;
        }

        String firstId(int i) {
            return "first-" + i;
        }

        String againId(int i) {
            return "again-" + i;
        }

        String first(int i) throws IOException {
            Map<String, Object> task = new LinkedHashMap<>();
            task.put("id", firstId(i));
            task.put("prompt", prompts.get(i));
            task.put("max_tokens", 300);
            task.put("metadata", Map.of("run", 1, "row", i));
            return JSON.writeValueAsString(task);
        }

        /** New id and metadata, the fields in another order; {@link #CHANGED} prompts say more. */
        String again(int i) throws IOException {
            Map<String, Object> task = new LinkedHashMap<>();
            task.put("metadata", Map.of("run", 2, "exported", "re-export"));
            task.put("max_tokens", 300);
            task.put("prompt", changed(i) ? prompts.get(i) + " Answer in one line." : prompts.get(i));
            task.put("id", againId(i));
            return JSON.writeValueAsString(task);
        }

        /** A task no run asked: a miss, of the same size as the backlog's. */
        String neverAsked(int i) throws IOException {
            return JSON.writeValueAsString(
                    Map.of("id", "never-" + i, "prompt", prompts.get(i) + " Never asked.", "max_tokens", 300));
        }
    }

    public static void main(String[] args) throws Exception {
        Path work = Files.createTempDirectory("rotor-cache");
        Backlog backlog = Backlog.random();
        System.out.printf(
                Locale.ROOT,
                "Cache: %d tasks through the file inbox, then again with new ids and metadata, "
                        + "%d prompts changed; a chain of %d models, simulator latency %d ms; Redis timeout %s%n",
                TASKS,
                CHANGED,
                MODELS.length,
                LATENCY_MS,
                REDIS_TIMEOUT);
        Map<String, Outcome> outcomes = new LinkedHashMap<>();
        Map<String, Percentiles> lookups;
        try (TestRedis redis = TestRedis.start()) {
            for (Variant v : VARIANTS) {
                Outcome o = rerun(work.resolve(v.name()), v, backlog, redis);
                System.out.printf(
                        Locale.ROOT,
                        "%s: first run %d calls, %d completed, %d answers kept; second run %d "
                                + "calls, %d of %d cached, %d completed, %d answers kept%n",
                        v.name(),
                        o.first().calls(),
                        o.first().completed(),
                        o.first().kept(),
                        o.second().calls(),
                        o.second().cached(),
                        TASKS,
                        o.second().completed(),
                        o.second().kept());
                outcomes.put(v.name(), o);
            }
            lookups = lookupCost(work, backlog, redis);
        }
        printReruns(outcomes);
        printLookups(lookups);
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("tasks", TASKS);
        figures.put("changed", CHANGED);
        outcomes.forEach((name, o) -> figures.put(name, o.figures()));
        Map<String, Object> lookup = new LinkedHashMap<>();
        lookup.put("lookups", LOOKUPS);
        lookups.forEach((name, p) -> lookup.put(name, p.figures()));
        figures.put("lookup", lookup);
        Bench.writeResults("cache", figures);
    }

    private static Scenario scenario() {
        Scenario.Builder s = Scenario.builder().latencyMs(LATENCY_MS).serveUnknownModels(false);
        for (String m : MODELS) {
            s.model(m, Scenario.ModelBehaviour.unlimited());
        }
        return s.build();
    }

    private static RotorHarness rotor(Path root, SimulatorServer sim, Variant v, TestRedis redis) {
        RotorHarness h = RotorHarness.on(root, sim, MODELS).set("rotor.cache", v.cache() ? "on" : "off");
        if (v.redis()) {
            h.set("rotor.state", "redis")
                    .set("rotor.state.redis-url", redis.url())
                    .set("rotor.state.prefix", PREFIX)
                    .set("rotor.state.timeout", REDIS_TIMEOUT);
        }
        return h;
    }

    /**
     * Both runs of one variant, each on a Rotor of its own: with the cache in the folder the second is the first
     * restarted on the same work folder; on Redis it is another Rotor, with a work folder of its own.
     */
    private static Outcome rerun(Path root, Variant v, Backlog backlog, TestRedis redis) throws Exception {
        Path secondRoot = v.redis() ? root.resolve("other-instance") : root;
        try (SimulatorServer sim = SimulatorServer.start(scenario())) {
            Run first;
            try (RotorHarness rotor = rotor(root, sim, v, redis).start()) {
                first = pass(rotor, sim, backlog::firstId, backlog::first, v.cache() ? TASKS : 0);
            }
            try (RotorHarness rotor = rotor(secondRoot, sim, v, redis).start()) {
                return new Outcome(
                        first, pass(rotor, sim, backlog::againId, backlog::again, v.cache() ? TASKS + CHANGED : 0));
            }
        }
    }

    @FunctionalInterface
    interface TaskText {
        String of(int i) throws IOException;
    }

    /** Drops the backlog in the inbox and waits for every task to end, and for the store to hold {@code keptAfter}. */
    private static Run pass(
            RotorHarness rotor, SimulatorServer sim, IntFunction<String> ids, TaskText tasks, long keptAfter)
            throws Exception {
        int callsBefore = sim.calls().size();
        long start = System.nanoTime();
        for (int i = 0; i < TASKS; i++) {
            rotor.drop(ids.apply(i) + ".json", tasks.of(i));
        }
        rotor.awaitEnded(TASKS, RUN_TIMEOUT);
        double seconds = (System.nanoTime() - start) / 1e9;
        long calls = sim.calls().size() - callsBefore;
        int results = 0;
        int cached = 0;
        for (int i = 0; i < TASKS; i++) {
            Path result = rotor.outbox().resolve(ids.apply(i) + ".json");
            JsonNode read = Files.exists(result) ? RotorHarness.read(result) : null;
            if (read != null && "completed".equals(read.path("status").asText())) {
                results++;
                cached += read.path("cached").asBoolean() ? 1 : 0;
            }
        }
        long kept = awaitKept(rotor, keptAfter);
        return new Run(rotor.ledger().completedCount(), results, cached, calls, kept, seconds);
    }

    /**
     * The answers the store holds once it holds {@code expected}, or after 10 s: Redis takes them on a writer thread,
     * so they must be there before this Rotor stops.
     */
    private static long awaitKept(RotorHarness rotor, long expected) throws InterruptedException {
        ResultCache cache = rotor.context().getRegistry().lookupByNameAndType("resultCache", ResultCache.class);
        long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (cache.size() < expected && System.nanoTime() < end) {
            Thread.sleep(20);
        }
        return cache.size();
    }

    /**
     * Nearest-rank p50 and p99 of one path's lookups, in ms, over those of the kind the path times; {@code unexpected}:
     * lookups that were not a hit where one was due (Redis out of reach is a miss), or a miss that did not lead its
     * key, left out.
     */
    record Percentiles(double p50Ms, double p99Ms, long unexpected) {

        static Percentiles of(long[] ns) {
            long[] sorted = Arrays.stream(ns)
                    .filter(t -> t != LookupPath.UNEXPECTED)
                    .sorted()
                    .toArray();
            if (sorted.length == 0) {
                return new Percentiles(Double.NaN, Double.NaN, ns.length);
            }
            return new Percentiles(
                    Bench.percentile(sorted, 0.5) / 1e6,
                    Bench.percentile(sorted, 0.99) / 1e6,
                    ns.length - sorted.length);
        }

        Map<String, Object> figures() {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("unexpected", unexpected);
            f.put("p50_ms", toTenthOfMicro(p50Ms));
            f.put("p99_ms", toTenthOfMicro(p99Ms));
            return f;
        }

        private static double toTenthOfMicro(double ms) {
            return Math.round(ms * 10_000) / 10_000.0;
        }
    }

    /**
     * One kind of lookup on one running Rotor: a task prepared once by its intake step (parsed, given its chain), and
     * for each lookup a fresh exchange holding it, as the core route gets it.
     */
    record LookupPath(CamelContext context, ResultCache cache, List<Exchange> prepared, boolean hit) {

        /** What {@link #time} gives for a lookup that was not of the path's kind. */
        static final long UNEXPECTED = -1;

        static LookupPath of(RotorHarness rotor, Backlog backlog, boolean hit) throws Exception {
            CamelContext context = rotor.context();
            TaskIntake intake = context.getRegistry().lookupByNameAndType("taskIntake", TaskIntake.class);
            List<Exchange> prepared = new ArrayList<>();
            for (int i = 0; i < TASKS; i++) {
                Exchange e = new DefaultExchange(context);
                e.getIn().setBody((hit ? backlog.again(i) : backlog.neverAsked(i)).getBytes(StandardCharsets.UTF_8));
                intake.accept(e);
                prepared.add(e);
            }
            return new LookupPath(
                    context,
                    context.getRegistry().lookupByNameAndType("resultCache", ResultCache.class),
                    prepared,
                    hit);
        }

        /**
         * Times one lookup: the journal's key (a hash of the input) and its find, the cache's key (a copy of the task
         * less what does not reach the provider, written sorted and hashed), the store's find (a file read and parsed,
         * or a Redis GET) and, on a miss, taking the lead of the key. Making the exchange before, and freeing the key
         * after, as the task's end would, are not timed.
         */
        long time(int i) throws Exception {
            Exchange task = prepared.get(i % prepared.size());
            Exchange exchange = new DefaultExchange(context);
            exchange.setProperty(ExchangeKeys.TASK, task.getProperty(ExchangeKeys.TASK));
            exchange.setProperty(ExchangeKeys.PROGRESS, task.getProperty(ExchangeKeys.PROGRESS, TaskProgress.class));
            // the input as it came: the journal's key is its hash
            exchange.setProperty(ExchangeKeys.RAW_INPUT, task.getProperty(ExchangeKeys.RAW_INPUT));
            long start = System.nanoTime();
            cache.lookup(exchange);
            long ns = System.nanoTime() - start;
            boolean answered = exchange.getProperty(ExchangeKeys.CACHED) != null;
            boolean led = exchange.getProperty(ExchangeKeys.CACHE_LEAD) != null;
            List<Synchronization> onDone = exchange.getExchangeExtension().handoverCompletions();
            if (onDone != null) {
                onDone.forEach(s -> s.onComplete(exchange));
            }
            return (hit ? answered : led) ? ns : UNEXPECTED;
        }
    }

    /**
     * Lookups on a Rotor restarted on the folder variant's work folder (the answers the re-run kept) and on another
     * Rotor on the same Redis, taking turns; first a round as long to warm up.
     */
    private static Map<String, Percentiles> lookupCost(Path work, Backlog backlog, TestRedis redis) throws Exception {
        Variant folder = VARIANTS.get(0);
        Variant shared = VARIANTS.get(1);
        try (SimulatorServer sim = SimulatorServer.start(scenario());
                RotorHarness inFolder =
                        rotor(work.resolve(folder.name()), sim, folder, redis).start();
                RotorHarness onRedis = rotor(work.resolve(shared.name()).resolve("lookups"), sim, shared, redis)
                        .start()) {
            awaitKept(onRedis, TASKS + CHANGED);
            Map<String, LookupPath> paths = new LinkedHashMap<>();
            paths.put("memory_hit", LookupPath.of(inFolder, backlog, true));
            paths.put("memory_miss", LookupPath.of(inFolder, backlog, false));
            paths.put("redis_hit", LookupPath.of(onRedis, backlog, true));
            paths.put("redis_miss", LookupPath.of(onRedis, backlog, false));
            Map<String, long[]> ns = new LinkedHashMap<>();
            for (int round = 0; round < 2; round++) {
                paths.keySet().forEach(name -> ns.put(name, new long[LOOKUPS]));
                for (int i = 0; i < LOOKUPS; i++) {
                    for (Map.Entry<String, LookupPath> path : paths.entrySet()) {
                        ns.get(path.getKey())[i] = path.getValue().time(i);
                    }
                }
            }
            if (!sim.calls().isEmpty()) {
                throw new IllegalStateException("lookups made " + sim.calls().size() + " calls");
            }
            Map<String, Percentiles> percentiles = new LinkedHashMap<>();
            ns.forEach((name, values) -> percentiles.put(name, Percentiles.of(values)));
            return percentiles;
        }
    }

    private static void printReruns(Map<String, Outcome> outcomes) {
        System.out.printf(
                Locale.ROOT,
                "%nRe-run: %d tasks, then the same with new ids and metadata, %d prompts " + "changed%n",
                TASKS,
                CHANGED);
        System.out.printf(
                Locale.ROOT,
                "%-16s %11s %9s %11s %12s %9s %13s %13s %6s%n",
                "variant",
                "run 1 calls",
                "run 1 s",
                "run 2 calls",
                "run 2 cached",
                "run 2 s",
                "completed",
                "results",
                "kept");
        outcomes.forEach((name, o) -> System.out.printf(
                Locale.ROOT,
                "%-16s %11d %9.1f %11d %12d %9.1f %6d+%-6d " + "%6d+%-6d %6d%n",
                name,
                o.first().calls(),
                o.first().seconds(),
                o.second().calls(),
                o.second().cached(),
                o.second().seconds(),
                o.first().completed(),
                o.second().completed(),
                o.first().results(),
                o.second().results(),
                o.second().kept()));
        System.out.printf(
                Locale.ROOT,
                "targets: the second run makes exactly %d calls with the cache on (in the "
                        + "folder after a restart, on Redis from another Rotor) and %d with it off; every task of both runs "
                        + "completed, its result in the outbox%n",
                CHANGED,
                TASKS);
        VARIANTS.forEach(v -> {
            Outcome o = outcomes.get(v.name());
            System.out.printf(
                    Locale.ROOT,
                    "%-16s second run %d calls, expected %d (%s); %d of %d completed (%s)%n",
                    v.name(),
                    o.second().calls(),
                    o.expectedSecondCalls(v),
                    o.callsMet(v) ? "met" : "NOT met",
                    o.first().completed() + o.second().completed(),
                    2 * TASKS,
                    o.allCompleted() ? "met" : "NOT met");
        });
    }

    private static void printLookups(Map<String, Percentiles> lookups) {
        System.out.printf(
                Locale.ROOT,
                "%nLookup cost: ResultCache.lookup per task (key, find, lead on a miss), %d "
                        + "lookups per path after as many to warm up, paths taking turns%n",
                LOOKUPS);
        System.out.printf(Locale.ROOT, "%-12s %9s %9s%n", "path", "p50 ms", "p99 ms");
        lookups.forEach((name, p) -> System.out.printf(
                Locale.ROOT,
                "%-12s %9.4f %9.4f%s%n",
                name,
                p.p50Ms(),
                p.p99Ms(),
                p.unexpected() == 0 ? "" : "  (" + p.unexpected() + " not of this kind, left out)"));
        System.out.printf(
                Locale.ROOT,
                "targets: lookup p50 <= %.1f ms per task, hit and miss, in memory and on " + "Redis%n",
                LOOKUP_TARGET_MS);
        for (String store : List.of("memory", "redis")) {
            Percentiles hit = lookups.get(store + "_hit");
            Percentiles miss = lookups.get(store + "_miss");
            System.out.printf(
                    Locale.ROOT,
                    "%-12s hit p50 %.4f ms (%s), miss p50 %.4f ms (%s)%n",
                    store,
                    hit.p50Ms(),
                    hit.p50Ms() <= LOOKUP_TARGET_MS ? "met" : "NOT met",
                    miss.p50Ms(),
                    miss.p50Ms() <= LOOKUP_TARGET_MS ? "met" : "NOT met");
        }
    }
}
