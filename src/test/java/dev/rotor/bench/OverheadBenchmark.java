package dev.rotor.bench;

import dev.rotor.batch.TaskLedger;
import dev.rotor.core.ExchangeKeys;
import dev.rotor.limits.InputEstimates;
import dev.rotor.limits.TaskSize;
import dev.rotor.models.ModelRegistryLoader;
import dev.rotor.models.ModelSpec;
import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.OtlpReceiver;
import dev.rotor.support.RotorHarness;
import dev.rotor.task.ChatMessage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.AdviceWith;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;

/**
 * Rotor's added cost per call, measured side by side in one run against the simulator at zero latency: the same chat
 * calls (a) straight through Apache HttpClient 5 with a pool like camel-http's, (b) as tasks through Rotor's intake
 * step and rotation core, the result document built but not written, (c) the same with the result written to the outbox
 * as a file, as Rotor runs, and (d) path (b) with tracing on: every task and call a span, sampled 100 % and exported
 * over OTLP/HTTP to a receiver on loopback that decodes each export. Latency at concurrency 1 (the four paths
 * interleaved call by call, so drift in the machine hits them alike), throughput at concurrency 16 (median of three
 * interleaved rounds). Then the cost of counting a call's tokens before it leaves, for a 4 KB prompt: the local
 * tokenizer's count and the model's corrected estimate and reservation, timed call by call. Run with {@code bench/run};
 * writes {@code bench/results.json}.
 */
public final class OverheadBenchmark {

    private static final int CALLS = Integer.getInteger("bench.calls", 5000);
    private static final int CONCURRENCY = 16;
    /** -Dbench.traced=false leaves path (d) out: the other three as they ran before tracing came in. */
    private static final boolean TRACED = !"false".equals(System.getProperty("bench.traced"));

    private static final int COUNTS = 20_000;
    private static final String[] WORDS = ("the of and to in is for that on with as by at from this are be it an or "
                    + "code data model limit token rate bucket queue answer task result file window call provider retry"
                    + " déjà réponse getUserById parse_json 42 3.14 {} [] ()")
            .split(" ");
    private static final String BODY =
            "{\"model\":\"vendor/model\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hi\"}]}";

    private OverheadBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path work = Files.createTempDirectory("rotor-bench");
        try (SimulatorServer sim = SimulatorServer.start(Scenario.builder().build());
                OtlpReceiver receiver = OtlpReceiver.counting();
                CloseableHttpClient client = HttpClients.custom()
                        .disableAutomaticRetries()
                        .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                                .setMaxConnTotal(64)
                                .setMaxConnPerRoute(64)
                                .build())
                        .build();
                RotorHarness endToEnd = RotorHarness.on(work.resolve("e2e"), sim, "vendor/model")
                        .set("rotor.http.max-connections", "64")
                        .start();
                RotorHarness coreOnly = RotorHarness.on(work.resolve("core"), sim, "vendor/model")
                        .set("rotor.http.max-connections", "64")
                        .start();
                RotorHarness traced = RotorHarness.on(work.resolve("traced"), sim, "vendor/model")
                        .set("rotor.http.max-connections", "64")
                        .set("otel.exporter.otlp.endpoint", receiver.endpoint())
                        .set("otel.traces.sampler", "always_on")
                        // 20,000 spans a second at c16: the SDK's default queue of 2,048 would drop some
                        .set("otel.bsp.max.queue.size", "65536")
                        .set("otel.bsp.max.export.batch.size", "2048")
                        .start()) {
            String url = sim.baseUrl() + "/chat/completions";
            withoutFileWrites(coreOnly.context());
            withoutFileWrites(traced.context());
            Map<String, Bench.Call> paths = new LinkedHashMap<>();
            paths.put("direct", i -> {
                HttpPost post = new HttpPost(url);
                post.setEntity(new StringEntity(BODY, ContentType.APPLICATION_JSON));
                client.execute(post, response -> EntityUtils.toString(response.getEntity()));
            });
            paths.put("core", asTasks(coreOnly.context()));
            AtomicInteger tracedTasks = new AtomicInteger();
            if (TRACED) {
                Bench.Call tracedCall = asTasks(traced.context());
                paths.put("traced", i -> {
                    tracedCall.run(i);
                    tracedTasks.incrementAndGet();
                });
            }
            paths.put("e2e", asTasks(endToEnd.context()));

            for (int warm = 0; warm < 3; warm++) {
                Bench.interleavedLatencies(paths, CALLS);
                Bench.throughputs(paths, CALLS, CONCURRENCY, 1);
            }
            Map<String, long[]> latency = Bench.interleavedLatencies(paths, CALLS);
            Map<String, Double> perSecond = Bench.throughputs(paths, 2 * CALLS, CONCURRENCY, 3);

            Overhead core = Overhead.of(
                    latency.get("direct"), latency.get("core"), perSecond.get("direct"), perSecond.get("core"));
            Overhead e2e = Overhead.of(
                    latency.get("direct"), latency.get("e2e"), perSecond.get("direct"), perSecond.get("e2e"));
            print(latency, perSecond, core, e2e);
            Map<String, Object> figures = core.figures();
            figures.put("core_median_ms", Bench.round(Bench.percentile(latency.get("core"), 0.5) / 1e6));
            if (TRACED) {
                figures.put("tracing", tracingCost(receiver, 2L * tracedTasks.get(), latency, perSecond));
            }
            figures.put("end_to_end", e2e.figures());
            figures.put("token_counting", countingCost());
            Bench.writeResults("overhead", figures);
        }
    }

    /** Path (d) against (b): what tracing every task adds, once the spans sent have reached the receiver. */
    private static Map<String, Object> tracingCost(
            OtlpReceiver receiver, long expected, Map<String, long[]> latency, Map<String, Double> perSecond)
            throws InterruptedException {
        // the batch processor's last batch may still be on its way
        long until = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (receiver.count() < expected && System.nanoTime() < until) {
            Thread.sleep(100);
        }
        Overhead tracing =
                Overhead.of(latency.get("core"), latency.get("traced"), perSecond.get("core"), perSecond.get("traced"));
        System.out.printf(
                Locale.ROOT,
                "added by tracing (core traced vs core): median %.3f ms, p99 %.3f ms, "
                        + "throughput ratio %.2f; %d of %d spans received; target median added <= 0.05 ms%n",
                tracing.medianAddedMs(),
                tracing.p99AddedMs(),
                tracing.throughputRatio(),
                receiver.count(),
                expected);
        Map<String, Object> f = tracing.figures();
        f.put("spans_received", receiver.count());
        f.put("spans_expected", expected);
        return f;
    }

    /**
     * What counting adds to a call of a 4 KB prompt: jtokkit's cl100k_base count of its text with the per-message
     * framing, and the model's corrected estimate and reservation, as TaskIntake and the rotation policy do per call.
     */
    private static Map<String, Object> countingCost() {
        Random random = new Random(3);
        StringBuilder text = new StringBuilder();
        while (text.length() < 4096) {
            text.append(WORDS[random.nextInt(WORDS.length)]).append(random.nextInt(10) == 0 ? ", " : " ");
        }
        String prompt = text.substring(0, 4096);
        InputEstimates estimates = new InputEstimates();
        ModelSpec model = ModelRegistryLoader.parse(
                        new ByteArrayInputStream(
                                "providers:\n  p: { base-url: \"http://127.0.0.1:1/v1\" }\nmodels:\n  - { id: m, provider: p }\n"
                                        .getBytes(StandardCharsets.UTF_8)),
                        "bench")
                .model("m")
                .orElseThrow();
        List<ChatMessage> messages = List.of(new ChatMessage("user", prompt));
        long[] ns = new long[COUNTS];
        long sink = 0;
        for (int round = 0; round < 2; round++) {
            for (int i = 0; i < COUNTS; i++) {
                long t0 = System.nanoTime();
                TaskSize size = estimates.size(messages, OptionalInt.of(300));
                sink += estimates.plan(model, size).cost().tokens();
                ns[i] = System.nanoTime() - t0;
            }
        }
        Arrays.sort(ns);
        double p50 = Bench.percentile(ns, 0.5) / 1e6;
        double p99 = Bench.percentile(ns, 0.99) / 1e6;
        System.out.printf(
                Locale.ROOT,
                "token counting, 4 KB prompt (%d tokens counted): median %.4f ms, p99 %.4f ms "
                        + "per call; target median <= 0.1 ms%n",
                sink / (2L * COUNTS),
                p50,
                p99);
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("prompt_bytes", prompt.length());
        f.put("median_ms", Bench.round(p50 * 1000) / 1000);
        f.put("p99_ms", Bench.round(p99 * 1000) / 1000);
        return f;
    }

    /** The rotation core alone: the result route keeps its ledger step but drops the file write. */
    private static void withoutFileWrites(CamelContext context) throws Exception {
        AdviceWith.adviceWith(
                context,
                "deliver-result-file",
                route -> route.weaveByToUri("file:*").remove());
    }

    private static Bench.Call asTasks(CamelContext context) {
        RotorCore core = new RotorCore(context);
        AtomicInteger ids = new AtomicInteger();
        return i -> {
            Exchange exchange = core.complete("{\"id\":\"b-" + ids.incrementAndGet() + "\",\"prompt\":\"Say hi\"}");
            if (exchange.getException() != null) {
                throw exchange.getException();
            }
            // a task that did not complete is no measure of the path that completes one
            TaskLedger.Entry ended = exchange.getProperty(ExchangeKeys.LEDGER_ENTRY, TaskLedger.Entry.class);
            if (ended == null || !ended.status().equals("completed")) {
                throw new IllegalStateException("task " + i + " did not complete: " + ended);
            }
        };
    }

    /** One Rotor path against the direct one. */
    record Overhead(double medianAddedMs, double p99AddedMs, double throughputRatio) {
        static Overhead of(long[] direct, long[] rotor, double directPerSecond, double rotorPerSecond) {
            return new Overhead(
                    (Bench.percentile(rotor, 0.5) - Bench.percentile(direct, 0.5)) / 1e6,
                    (Bench.percentile(rotor, 0.99) - Bench.percentile(direct, 0.99)) / 1e6,
                    rotorPerSecond / directPerSecond);
        }

        Map<String, Object> figures() {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("median_added_ms", Bench.round(medianAddedMs));
            f.put("p99_added_ms", Bench.round(p99AddedMs));
            f.put("throughput_ratio_c16", Bench.round(throughputRatio));
            return f;
        }
    }

    private static void print(Map<String, long[]> latency, Map<String, Double> perSecond, Overhead core, Overhead e2e) {
        long[] d = latency.get("direct");
        long[] c = latency.get("core");
        long[] e = latency.get("e2e");
        System.out.printf(Locale.ROOT, "%nOverhead, %d calls per path, simulator at zero latency%n", CALLS);
        System.out.printf(
                Locale.ROOT,
                "%-36s %9s %11s %11s %11s %11s%n",
                "",
                "direct",
                "Rotor core",
                "Rotor e2e",
                "core/direct",
                "e2e/direct");
        row(
                "median latency, concurrency 1 (ms)",
                Bench.percentile(d, 0.5) / 1e6,
                Bench.percentile(c, 0.5) / 1e6,
                Bench.percentile(e, 0.5) / 1e6);
        row(
                "p99 latency, concurrency 1 (ms)",
                Bench.percentile(d, 0.99) / 1e6,
                Bench.percentile(c, 0.99) / 1e6,
                Bench.percentile(e, 0.99) / 1e6);
        row("throughput, concurrency 16 (/s)", perSecond.get("direct"), perSecond.get("core"), perSecond.get("e2e"));
        System.out.printf(
                Locale.ROOT,
                "added, rotation core: median %.3f ms, p99 %.3f ms, throughput ratio %.2f%n",
                core.medianAddedMs(),
                core.p99AddedMs(),
                core.throughputRatio());
        System.out.printf(
                Locale.ROOT,
                "added, end to end:    median %.3f ms, p99 %.3f ms, throughput ratio %.2f%n",
                e2e.medianAddedMs(),
                e2e.p99AddedMs(),
                e2e.throughputRatio());
        System.out.println("targets (rotation core): median added <= 0.3 ms, throughput ratio >= 0.8");
    }

    private static void row(String label, double direct, double core, double e2e) {
        System.out.printf(
                Locale.ROOT,
                "%-36s %9.3f %11.3f %11.3f %11.2f %11.2f%n",
                label,
                direct,
                core,
                e2e,
                core / direct,
                e2e / direct);
    }
}
