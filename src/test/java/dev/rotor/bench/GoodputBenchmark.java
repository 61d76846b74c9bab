package dev.rotor.bench;

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

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.rotor.camel.ExchangeKeys;
import dev.rotor.camel.TaskLedger;
import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.RotorHarness;

/**
 * Goodput under rate limits, side by side in one run: OpenRouter in small and time-compressed (three {@code :free}
 * models sharing one account pool, one paid model with its own limit, windows of two seconds), the same 1,000 tasks
 * pushed by 16 clients through Rotor's priority strategy with declared limits, priority learning limits only from
 * responses, the prototype's sticky strategy, and Portkey's gateway (fallback over the same four targets).
 * Each variant gets a fresh simulator. Run with {@code bench/run goodput}; writes {@code bench/results.json}.
 */
public final class GoodputBenchmark {

    private static final int TASKS = Integer.getInteger("bench.tasks", 1000);
    private static final int CLIENTS = 16;
    private static final long WINDOW_MS = 2_000;
    private static final int FREE_POOL_LIMIT = 30;
    private static final int PAID_LIMIT = 10;
    private static final long LATENCY_MS = 20;
    private static final List<String> FREE = List.of("vendor/model-a:free", "vendor/model-b:free", "vendor/model-c:free");
    private static final String PAID = "vendor/model-paid";
    /** What a client of the peer gateway waits before sending a task again that came back failed. */
    private static final Duration PEER_CLIENT_PAUSE = Duration.ofMillis(250);
    private static final ObjectMapper JSON = new ObjectMapper();

    private GoodputBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Path work = Files.createTempDirectory("rotor-goodput");
        System.out.printf(Locale.ROOT, "Goodput: %d tasks, %d clients; 3 :free models share %d calls per %d ms, "
                + "the paid model has %d; capacity %d calls per window; simulator latency %d ms%n",
                TASKS, CLIENTS, FREE_POOL_LIMIT, WINDOW_MS, PAID_LIMIT, FREE_POOL_LIMIT + PAID_LIMIT, LATENCY_MS);
        List<String> only = List.of(args);
        Map<String, Outcome> outcomes = new LinkedHashMap<>();
        if (only.isEmpty() || only.contains("priority_declared")) {
            outcomes.put("priority_declared", throughRotor(work.resolve("declared"), "priority", true));
        }
        if (only.isEmpty() || only.contains("priority_learned")) {
            outcomes.put("priority_learned", throughRotor(work.resolve("learned"), "priority", false));
        }
        if (only.isEmpty() || only.contains("sticky")) {
            outcomes.put("sticky", throughRotor(work.resolve("sticky"), "sticky", false));
        }
        if (only.isEmpty() || only.contains("portkey")) {
            throughPortkey(work).ifPresent(o -> outcomes.put("portkey", o));
        }
        print(outcomes);
        Map<String, Object> figures = new LinkedHashMap<>();
        outcomes.forEach((variant, o) -> figures.put(variant, o.figures()));
        Bench.writeResults("goodput", figures);
    }

    private static Scenario scenario() {
        Scenario.Builder s = Scenario.builder().latencyMs(LATENCY_MS).serveUnknownModels(false)
                .pool("free-models-per-window", FREE_POOL_LIMIT, WINDOW_MS, ":free");
        FREE.forEach(m -> s.model(m, Scenario.ModelBehaviour.unlimited()));
        s.model(PAID, Scenario.ModelBehaviour.limited(PAID_LIMIT, WINDOW_MS));
        return s.build();
    }

    private static String modelsYaml(SimulatorServer sim) {
        StringBuilder yaml = new StringBuilder("providers:\n  openrouter:\n    base-url: " + sim.baseUrl()
                + "\n    api-key-env: " + RotorHarness.KEY_VARIABLE + "\n");
        yaml.append("limit-groups:\n  openrouter-free: { requests: ").append(FREE_POOL_LIMIT).append(", per: ")
                .append(WINDOW_MS).append("ms }\nmodels:\n");
        FREE.forEach(m -> yaml.append("  - { id: \"").append(m).append("\", provider: openrouter, limit-group: openrouter-free }\n"));
        yaml.append("  - { id: \"").append(PAID).append("\", provider: openrouter, requests: ").append(PAID_LIMIT)
                .append(", per: ").append(WINDOW_MS).append("ms }\n");
        return yaml.toString();
    }

    private static Outcome throughRotor(Path root, String strategy, boolean declaredLimits) throws Exception {
        try (SimulatorServer sim = SimulatorServer.start(scenario());
             RotorHarness rotor = RotorHarness.withModels(root, modelsYaml(sim))
                     .set("rotor.rotation.strategy", strategy)
                     .set("rotor.rotation.use-declared-limits", Boolean.toString(declaredLimits))
                     // the shipped backoff, not the test harness's short one
                     .set("rotor.retry.initial-delay", "1s").set("rotor.retry.max-delay", "60s")
                     .set("rotor.http.read-timeout", "30000").start()) {
            RotorCore core = new RotorCore(rotor.context());
            return Outcome.measure(sim, i -> {
                Exchange exchange = core.complete(task(i));
                TaskLedger.Entry ended = exchange.getProperty(ExchangeKeys.LEDGER_ENTRY, TaskLedger.Entry.class);
                return exchange.getException() == null && ended != null && ended.completed();
            });
        }
    }

    private static Optional<Outcome> throughPortkey(Path work) throws Exception {
        Optional<PortkeyGateway> started = PortkeyGateway.start(Bench.freePort(), work.resolve("portkey.log"));
        if (started.isEmpty()) {
            return Optional.empty();
        }
        try (PortkeyGateway portkey = started.get(); SimulatorServer sim = SimulatorServer.start(scenario())) {
            String config = fallbackConfig(sim.baseUrl());
            // HTTP/1.1: the JDK client's h2c upgrade headers (Connection: Upgrade) are passed on by the gateway and
            // refused by its own fetch
            HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                    .connectTimeout(Duration.ofSeconds(5)).build();
            URI completions = portkey.baseUrl().resolve("/v1/chat/completions");
            return Optional.of(Outcome.measure(sim, i -> {
                HttpRequest request = HttpRequest.newBuilder(completions).timeout(Duration.ofSeconds(60))
                        .header("Content-Type", "application/json").header("x-portkey-config", config)
                        .POST(HttpRequest.BodyPublishers.ofString(chatRequest(i))).build();
                // a client of a gateway has nothing else to fall back on: it sends the task again until it is done
                for (int attempt = 0; attempt < 1_000; attempt++) {
                    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() == 200) {
                        return true;
                    }
                    if (response.statusCode() != 429 && response.statusCode() < 500) {
                        System.out.println("portkey: task " + i + " refused: " + response.statusCode() + " " + response.body());
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
        config.putObject("strategy").put("mode", "fallback").set("on_status_codes", JSON.valueToTree(List.of(429, 500, 502, 503, 504)));
        ArrayNode targets = config.putArray("targets");
        List<String> inPriorityOrder = new ArrayList<>(FREE);
        inPriorityOrder.add(PAID);
        for (String model : inPriorityOrder) {
            ObjectNode target = targets.addObject().put("provider", "openai").put("api_key", "sk-bench-not-a-key")
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
            double seconds = Bench.runConcurrently(i -> {
                long began = System.nanoTime();
                if (task.complete(i)) {
                    completed.incrementAndGet();
                }
                latencies[i] = (System.nanoTime() - began) / 1_000_000;
            }, TASKS, CLIENTS);
            List<SimulatorServer.Call> calls = sim.calls();
            long rateLimited = calls.stream().filter(c -> c.answer().startsWith("429")).count();
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
        Outcome sticky = outcomes.getOrDefault("sticky", outcomes.values().iterator().next());
        System.out.printf(Locale.ROOT, "%n%-18s %9s %8s %11s %9s %10s %9s %9s %10s %12s%n", "variant", "completed",
                "seconds", "per window", "capacity", "429s/task", "p50 ms", "p99 ms", "calls/task", "goodput/sticky");
        outcomes.forEach((variant, o) -> System.out.printf(Locale.ROOT,
                "%-18s %9d %8.1f %11.1f %9.3f %10.3f %9.0f %9.0f %10.3f %12.2f%n", variant, o.completed(), o.seconds(),
                o.perWindow(), o.capacityRatio(), (double) o.rateLimited() / o.completed(), o.percentileMs(0.5),
                o.percentileMs(0.99), (double) o.calls() / o.completed(), o.perWindow() / sticky.perWindow()));
        System.out.printf(Locale.ROOT, "capacity bound: %d calls per %d ms window; targets: priority_declared >= 0.97 "
                + "of capacity and <= 0.05 429s per task, priority_learned >= 0.9 of capacity%n",
                FREE_POOL_LIMIT + PAID_LIMIT, WINDOW_MS);
    }
}
