package dev.rotor.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotor.batch.TaskLedger;
import dev.rotor.core.ExchangeKeys;
import dev.rotor.simulator.Limiter;
import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.FreePorts;
import dev.rotor.support.RotorHarness;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.Exchange;

/**
 * Goodput under rate limits, side by side in one run: OpenRouter in small and time-compressed (three {@code :free}
 * models sharing one account pool, one paid model with its own limit, windows of two seconds), the same 1,000 tasks
 * pushed by 16 clients through Rotor's priority strategy with declared limits, priority learning limits only from
 * responses, the prototype's sticky strategy, and Portkey's gateway (fallback over the same four targets). Each variant
 * gets a fresh simulator. Run with {@code bench/run goodput}; writes {@code bench/results.json}.
 */
public final class GoodputBenchmark {

    private static final int TASKS = Integer.getInteger("bench.tasks", 1000);
    private static final int CLIENTS = 16;
    private static final long WINDOW_MS = 2_000;
    private static final int FREE_POOL_LIMIT = 30;
    private static final int PAID_LIMIT = 10;
    private static final long LATENCY_MS = 20;
    private static final List<String> FREE =
            List.of("vendor/model-a:free", "vendor/model-b:free", "vendor/model-c:free");
    private static final String PAID = "vendor/model-paid";
    /** What a client of the peer gateway waits before sending a task again that came back failed. */
    private static final Duration PEER_CLIENT_PAUSE = Duration.ofMillis(250);

    private static final ObjectMapper JSON = new ObjectMapper();

    private GoodputBenchmark() {}

    /**
     * One way of running the tasks: which strategy, whether limits are declared, whether Rotor learns them, and the
     * upstream's limiter shape and what its answers report.
     */
    record Variant(
            String name,
            String strategy,
            boolean declared,
            boolean learn,
            Limiter.Shape shape,
            Scenario.Reporting pool,
            Scenario.Reporting paid) {

        /** OpenRouter's fixed windows as the simulator answers by default: pool headers on every answer. */
        static Variant openRouter(String name, String strategy, boolean declared) {
            return new Variant(
                    name,
                    strategy,
                    declared,
                    true,
                    Limiter.Shape.FIXED,
                    Scenario.Reporting.POOL,
                    Scenario.Reporting.UPSTREAM);
        }

        /**
         * Rotor learning from nothing declared, against limiters whose answers mean different things by their reset:
         * {@code pool} and {@code paid} say how each tells.
         */
        static Variant reset(String name, Limiter.Shape shape, Scenario.Reporting pool, Scenario.Reporting paid) {
            return new Variant(name, "priority", false, true, shape, pool, paid);
        }

        /** The harder case: nothing reported on success, a 429 says only when to come back (to the millisecond). */
        static Variant silent(String name, Limiter.Shape shape, boolean declared, boolean learn) {
            Scenario.Reporting silent = new Scenario.Reporting(false, false, Scenario.RetryAfter.MILLISECONDS);
            return new Variant(name, "priority", declared, learn, shape, silent, silent);
        }
    }

    static final List<Variant> VARIANTS = List.of(
            Variant.openRouter("priority_declared", "priority", true),
            Variant.openRouter("priority_learned", "priority", false),
            Variant.openRouter("sticky", "sticky", false),
            Variant.silent("declared_fixed", Limiter.Shape.FIXED, true, true),
            Variant.silent("learned_fixed", Limiter.Shape.FIXED, false, true),
            Variant.silent("declared_sliding", Limiter.Shape.SLIDING, true, true),
            Variant.silent("learned_sliding", Limiter.Shape.SLIDING, false, true),
            Variant.silent("learned_sliding_herd", Limiter.Shape.SLIDING, false, false),
            Variant.silent("declared_bucket", Limiter.Shape.BUCKET, true, true),
            Variant.silent("learned_bucket", Limiter.Shape.BUCKET, false, true),
            Variant.silent("learned_bucket_herd", Limiter.Shape.BUCKET, false, false),
            // each meaning real providers give a reset: the fixed window's end (OpenRouter's pools), the bucket full
            // again (OpenAI), the next slot or token with a paid model that says only a whole-second Retry-After,
            // whole-second Retry-After alone (Anthropic's style), and nothing at all (Gemini; OpenRouter on success)
            Variant.reset("reset_window", Limiter.Shape.FIXED, Scenario.Reporting.POOL, Scenario.Reporting.UPSTREAM),
            Variant.reset(
                    "reset_bucket_full",
                    Limiter.Shape.BUCKET,
                    new Scenario.Reporting(true, true, Scenario.RetryAfter.SECONDS, Scenario.Reset.FULL),
                    new Scenario.Reporting(true, true, Scenario.RetryAfter.SECONDS, Scenario.Reset.FULL)),
            Variant.reset(
                    "reset_next_slot", Limiter.Shape.BUCKET, Scenario.Reporting.POOL, Scenario.Reporting.UPSTREAM),
            Variant.reset(
                    "reset_seconds_only",
                    Limiter.Shape.BUCKET,
                    Scenario.Reporting.UPSTREAM,
                    Scenario.Reporting.UPSTREAM),
            Variant.reset(
                    "reset_none",
                    Limiter.Shape.BUCKET,
                    new Scenario.Reporting(false, false, Scenario.RetryAfter.NONE),
                    new Scenario.Reporting(false, false, Scenario.RetryAfter.NONE)));

    public static void main(String[] args) throws Exception {
        Path work = Files.createTempDirectory("rotor-goodput");
        System.out.printf(
                Locale.ROOT,
                "Goodput: %d tasks, %d clients; 3 :free models share %d calls per %d ms, "
                        + "the paid model has %d; capacity %d calls per window; simulator latency %d ms%n",
                TASKS,
                CLIENTS,
                FREE_POOL_LIMIT,
                WINDOW_MS,
                PAID_LIMIT,
                FREE_POOL_LIMIT + PAID_LIMIT,
                LATENCY_MS);
        List<String> only = List.of(args);
        Map<String, Outcome> outcomes = new LinkedHashMap<>();
        for (Variant v : VARIANTS) {
            if (only.isEmpty() || only.contains(v.name())) {
                Outcome o = throughRotor(work.resolve(v.name()), v);
                System.out.printf(
                        Locale.ROOT,
                        "%s: %d completed, %.3f of capacity, %.3f 429s per task%n",
                        v.name(),
                        o.completed(),
                        o.capacityRatio(),
                        (double) o.rateLimited() / o.completed());
                outcomes.put(v.name(), o);
            }
        }
        if (only.isEmpty() || only.contains("gateway_declared")) {
            Outcome o = throughGateway(work.resolve("gateway_declared"));
            System.out.printf(
                    Locale.ROOT,
                    "gateway_declared: %d completed, %.3f of capacity, %.3f 429s per task%n",
                    o.completed(),
                    o.capacityRatio(),
                    (double) o.rateLimited() / o.completed());
            outcomes.put("gateway_declared", o);
        }
        if (only.isEmpty() || only.contains("portkey")) {
            throughPortkey(work).ifPresent(o -> outcomes.put("portkey", o));
        }
        print(outcomes);
        Map<String, Object> figures = new LinkedHashMap<>();
        outcomes.forEach((variant, o) -> {
            Map<String, Object> f = o.figures();
            declaredTwin(variant, outcomes)
                    .ifPresent(d -> f.put("p99_vs_declared", Bench.round(o.percentileMs(0.99) / d.percentileMs(0.99))));
            figures.put(variant, f);
        });
        Bench.writeResults("goodput", figures);
    }

    private static Scenario scenario(Variant v) {
        Scenario.Builder s = Scenario.builder()
                .latencyMs(LATENCY_MS)
                .serveUnknownModels(false)
                .pool("free-models-per-window", FREE_POOL_LIMIT, WINDOW_MS, ":free", v.shape(), v.pool());
        FREE.forEach(m -> s.model(m, Scenario.ModelBehaviour.unlimited()));
        s.model(PAID, Scenario.ModelBehaviour.limited(PAID_LIMIT, WINDOW_MS).withShape(v.shape(), v.paid()));
        return s.build();
    }

    private static String modelsYaml(SimulatorServer sim) {
        StringBuilder yaml = new StringBuilder("providers:\n  openrouter:\n    base-url: " + sim.baseUrl()
                + "\n    api-key-env: " + RotorHarness.KEY_VARIABLE + "\n");
        yaml.append("limit-groups:\n  openrouter-free: { requests: ")
                .append(FREE_POOL_LIMIT)
                .append(", per: ")
                .append(WINDOW_MS)
                .append("ms }\nmodels:\n");
        FREE.forEach(m -> yaml.append("  - { id: \"")
                .append(m)
                .append("\", provider: openrouter, limit-group: openrouter-free }\n"));
        yaml.append("  - { id: \"")
                .append(PAID)
                .append("\", provider: openrouter, requests: ")
                .append(PAID_LIMIT)
                .append(", per: ")
                .append(WINDOW_MS)
                .append("ms }\n");
        return yaml.toString();
    }

    private static Outcome throughRotor(Path root, Variant v) throws Exception {
        try (SimulatorServer sim = SimulatorServer.start(scenario(v));
                RotorHarness rotor = RotorHarness.withModels(root, modelsYaml(sim))
                        .set("rotor.rotation.strategy", v.strategy())
                        .set("rotor.rotation.use-declared-limits", Boolean.toString(v.declared()))
                        .set("rotor.rotation.learn-limits", Boolean.toString(v.learn()))
                        // the shipped backoff, not the test harness's short one
                        .set("rotor.retry.initial-delay", "1s")
                        .set("rotor.retry.max-delay", "60s")
                        .set("rotor.http.read-timeout", "30000")
                        .start()) {
            RotorCore core = new RotorCore(rotor.context());
            Outcome outcome = Outcome.measure(sim, i -> {
                Exchange exchange = core.complete(task(i));
                TaskLedger.Entry ended = exchange.getProperty(ExchangeKeys.LEDGER_ENTRY, TaskLedger.Entry.class);
                return exchange.getException() == null && ended != null && ended.completed();
            });
            if (System.getProperty("bench.dump") != null) {
                try (var out = new PrintWriter(System.getProperty("bench.dump") + "-" + v.name() + ".tsv")) {
                    sim.calls().forEach(c -> out.println(c.at().toEpochMilli() + "\t" + c.model() + "\t" + c.answer()));
                }
            }
            return outcome;
        }
    }

    /**
     * The same tasks as OpenAI chat calls to Rotor's gateway (limits declared), from clients that do what a client of a
     * gateway can: send a call again after the {@code Retry-After} of a 429.
     */
    private static Outcome throughGateway(Path root) throws Exception {
        int port = FreePorts.next();
        try (SimulatorServer sim = SimulatorServer.start(scenario(VARIANTS.get(0)));
                RotorHarness rotor = RotorHarness.withModels(root, modelsYaml(sim))
                        .set("rotor.intake", "http")
                        .set("rotor.gateway.port", Integer.toString(port))
                        .set("rotor.retry.initial-delay", "1s")
                        .set("rotor.retry.max-delay", "60s")
                        .set("rotor.http.read-timeout", "30000")
                        .start()) {
            HttpClient http = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
            URI completions = URI.create("http://127.0.0.1:" + port + "/v1/chat/completions");
            return Outcome.measure(sim, i -> {
                HttpRequest request = HttpRequest.newBuilder(completions)
                        .timeout(Duration.ofSeconds(90))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(chatRequest(i).replace(FREE.get(0), "rotor")))
                        .build();
                for (int attempt = 0; attempt < 100; attempt++) {
                    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() == 200) {
                        return true;
                    }
                    if (response.statusCode() != 429) {
                        System.out.println(
                                "gateway: task " + i + " failed: " + response.statusCode() + " " + response.body());
                        return false;
                    }
                    Thread.sleep(1000
                            * response.headers().firstValueAsLong("Retry-After").orElse(1));
                }
                return false;
            });
        }
    }

    private static Optional<Outcome> throughPortkey(Path work) throws Exception {
        Optional<PortkeyGateway> started = PortkeyGateway.start(FreePorts.next(), work.resolve("portkey.log"));
        if (started.isEmpty()) {
            return Optional.empty();
        }
        try (PortkeyGateway portkey = started.get();
                SimulatorServer sim = SimulatorServer.start(scenario(VARIANTS.get(0)))) {
            String config = fallbackConfig(sim.baseUrl());
            // HTTP/1.1: the JDK client's h2c upgrade headers (Connection: Upgrade) are passed on by the gateway and
            // refused by its own fetch
            HttpClient http = HttpClient.newBuilder()
                    .version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5))
                    .build();
            URI completions = portkey.baseUrl().resolve("/v1/chat/completions");
            return Optional.of(Outcome.measure(sim, i -> {
                HttpRequest request = HttpRequest.newBuilder(completions)
                        .timeout(Duration.ofSeconds(60))
                        .header("Content-Type", "application/json")
                        .header("x-portkey-config", config)
                        .POST(HttpRequest.BodyPublishers.ofString(chatRequest(i)))
                        .build();
                // a client of a gateway has nothing else to fall back on: it sends the task again until it is done
                for (int attempt = 0; attempt < 1_000; attempt++) {
                    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() == 200) {
                        return true;
                    }
                    if (response.statusCode() != 429 && response.statusCode() < 500) {
                        System.out.println(
                                "portkey: task " + i + " refused: " + response.statusCode() + " " + response.body());
                        return false;
                    }
                    Thread.sleep(PEER_CLIENT_PAUSE.toMillis());
                }
                return false;
            }));
        }
    }

    /** Fall back through the four targets in Rotor's priority order on a 429 or a 5xx. */
    private static String fallbackConfig(URI simulator) {
        ObjectNode config = JSON.createObjectNode();
        config.putObject("strategy")
                .put("mode", "fallback")
                .set("on_status_codes", JSON.valueToTree(List.of(429, 500, 502, 503, 504)));
        ArrayNode targets = config.putArray("targets");
        List<String> inPriorityOrder = new ArrayList<>(FREE);
        inPriorityOrder.add(PAID);
        for (String model : inPriorityOrder) {
            ObjectNode target = targets.addObject()
                    .put("provider", "openai")
                    .put("api_key", "sk-bench-not-a-key")
                    .put("custom_host", simulator.toString());
            target.putObject("override_params").put("model", model);
        }
        return config.toString();
    }

    private static String task(int i) {
        return "{\"id\":\"g-" + i + "\",\"prompt\":\"Summarise item " + i + " in one line.\"}";
    }

    private static String chatRequest(int i) {
        return "{\"model\":\"" + FREE.get(0) + "\",\"messages\":[{\"role\":\"user\",\"content\":\"Summarise item " + i
                + " in one line.\"}]}";
    }

    @FunctionalInterface
    interface Task {
        /** Completes task {@code i}; true when it is done. */
        boolean complete(int i) throws Exception;
    }

    /** One variant's run, as the clients and the simulator saw it. */
    record Outcome(int completed, double seconds, long calls, long rateLimited, long[] latencyMs) {

        static Outcome measure(SimulatorServer sim, Task task) throws Exception {
            long[] latencies = new long[TASKS];
            AtomicInteger completed = new AtomicInteger();
            double seconds = Bench.runConcurrently(
                    i -> {
                        long began = System.nanoTime();
                        if (task.complete(i)) {
                            completed.incrementAndGet();
                        }
                        latencies[i] = (System.nanoTime() - began) / 1_000_000;
                    },
                    TASKS,
                    CLIENTS);
            List<SimulatorServer.Call> calls = sim.calls();
            long rateLimited =
                    calls.stream().filter(c -> c.answer().startsWith("429")).count();
            Arrays.sort(latencies);
            return new Outcome(completed.get(), seconds, calls.size(), rateLimited, latencies);
        }

        /** Calls the limits allowed in the windows the run spanned. */
        long capacity() {
            return (long) Math.ceil(seconds * 1000 / WINDOW_MS) * (FREE_POOL_LIMIT + PAID_LIMIT);
        }

        double capacityRatio() {
            return (double) completed / capacity();
        }

        double perWindow() {
            return completed / (seconds * 1000 / WINDOW_MS);
        }

        double percentileMs(double p) {
            return Bench.percentile(latencyMs, p);
        }

        Map<String, Object> figures() {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("capacity_ratio", Bench.round(capacityRatio()));
            // the same without rounding the run up to whole windows: a run 0.1 s into one more window loses 1/25
            f.put("rate_ratio", Bench.round(perWindow() / (FREE_POOL_LIMIT + PAID_LIMIT)));
            f.put("rate_limited_per_task", Bench.round((double) rateLimited / completed));
            f.put("p50_ms", percentileMs(0.5));
            f.put("p99_ms", percentileMs(0.99));
            f.put("calls_per_task", Bench.round((double) calls / completed));
            f.put("completed", completed);
            f.put("seconds", Bench.round(seconds));
            return f;
        }
    }

    private static void print(Map<String, Outcome> outcomes) {
        Outcome sticky =
                outcomes.getOrDefault("sticky", outcomes.values().iterator().next());
        System.out.printf(
                Locale.ROOT,
                "%n%-22s %9s %8s %11s %9s %10s %9s %9s %10s %12s%n",
                "variant",
                "completed",
                "seconds",
                "per window",
                "capacity",
                "429s/task",
                "p50 ms",
                "p99 ms",
                "calls/task",
                "goodput/sticky");
        outcomes.forEach((variant, o) -> System.out.printf(
                Locale.ROOT,
                "%-22s %9d %8.1f %11.1f %9.3f %10.3f %9.0f %9.0f %10.3f %12.2f%n",
                variant,
                o.completed(),
                o.seconds(),
                o.perWindow(),
                o.capacityRatio(),
                (double) o.rateLimited() / o.completed(),
                o.percentileMs(0.5),
                o.percentileMs(0.99),
                (double) o.calls() / o.completed(),
                o.perWindow() / sticky.perWindow()));
        System.out.printf(
                Locale.ROOT,
                "capacity bound: %d calls per %d ms window; targets: priority_declared >= 0.97 "
                        + "of capacity and <= 0.05 429s per task, priority_learned >= 0.9 of capacity; learned on every shape "
                        + ">= 0.95 of capacity, <= 0.10 429s per task, p99 <= 1.2 x declared on the same shape%n",
                FREE_POOL_LIMIT + PAID_LIMIT,
                WINDOW_MS);
        outcomes.forEach((variant, o) -> declaredTwin(variant, outcomes)
                .ifPresent(d -> System.out.printf(
                        Locale.ROOT,
                        "%-22s capacity %.3f (%s), 429s per task %.3f (%s), p99 %.2f x declared (%s)%n",
                        variant,
                        o.capacityRatio(),
                        met(o.capacityRatio() >= 0.95),
                        (double) o.rateLimited() / o.completed(),
                        met((double) o.rateLimited() / o.completed() <= 0.10),
                        o.percentileMs(0.99) / d.percentileMs(0.99),
                        met(o.percentileMs(0.99) <= 1.2 * d.percentileMs(0.99)))));
        outcomes.forEach((variant, o) -> {
            if (variant.startsWith("reset_")) {
                double limited = (double) o.rateLimited() / o.completed();
                System.out.printf(
                        Locale.ROOT,
                        "%-22s capacity %.3f (%s, >= 0.95), 429s per task %.3f (%s, <= 0.10)%n",
                        variant,
                        o.capacityRatio(),
                        met(o.capacityRatio() >= 0.95),
                        limited,
                        met(limited <= 0.10));
            }
        });
        Optional.ofNullable(outcomes.get("gateway_declared"))
                .ifPresent(o -> System.out.printf(
                        Locale.ROOT,
                        "%-22s capacity %.3f (%s, >= 0.95), 429s per task %.3f (%s, <= 0.05)%n",
                        "gateway_declared",
                        o.capacityRatio(),
                        met(o.capacityRatio() >= 0.95),
                        (double) o.rateLimited() / o.completed(),
                        met((double) o.rateLimited() / o.completed() <= 0.05)));
    }

    /** For learned_<shape>, the declared_<shape> run beside it. */
    private static Optional<Outcome> declaredTwin(String variant, Map<String, Outcome> outcomes) {
        if (!variant.startsWith("learned_") || variant.endsWith("_herd")) {
            return Optional.empty();
        }
        return Optional.ofNullable(outcomes.get(variant.replace("learned_", "declared_")));
    }

    private static String met(boolean met) {
        return met ? "met" : "NOT met";
    }
}
