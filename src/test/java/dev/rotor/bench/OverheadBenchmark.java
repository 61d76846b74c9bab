package dev.rotor.bench;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.support.DefaultExchange;
import org.apache.hc.client5.http.classic.methods.HttpPost;
import org.apache.hc.client5.http.impl.classic.CloseableHttpClient;
import org.apache.hc.client5.http.impl.classic.HttpClients;
import org.apache.hc.client5.http.impl.io.PoolingHttpClientConnectionManagerBuilder;
import org.apache.hc.core5.http.ContentType;
import org.apache.hc.core5.http.io.entity.EntityUtils;
import org.apache.hc.core5.http.io.entity.StringEntity;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.rotor.camel.TaskIntake;
import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.RotorHarness;

/**
 * Rotor's added cost per call, measured side by side in one run against the simulator at zero latency: the same chat
 * calls (a) straight through Apache HttpClient 5 with a pool like camel-http's, (b) as tasks through Rotor's intake
 * step and rotation core, results written as files. Latency at concurrency 1, throughput at concurrency 16.
 * Run with {@code bench/run}; writes {@code bench/results.json}.
 */
public final class OverheadBenchmark {

    private static final int CALLS = Integer.getInteger("bench.calls", 3000);
    private static final int CONCURRENCY = 16;
    private static final String BODY = "{\"model\":\"vendor/model\",\"messages\":[{\"role\":\"user\",\"content\":\"Say hi\"}]}";

    private OverheadBenchmark() {
    }

    @FunctionalInterface
    interface Call {
        void run(int i) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        Path work = Files.createTempDirectory("rotor-bench");
        try (SimulatorServer sim = SimulatorServer.start(Scenario.builder().build());
             CloseableHttpClient client = HttpClients.custom().disableAutomaticRetries()
                     .setConnectionManager(PoolingHttpClientConnectionManagerBuilder.create()
                             .setMaxConnTotal(64).setMaxConnPerRoute(64).build()).build();
             RotorHarness rotor = RotorHarness.on(work, sim, "vendor/model").set("rotor.http.max-connections", "64").start()) {
            String url = sim.baseUrl() + "/chat/completions";
            Call direct = i -> {
                HttpPost post = new HttpPost(url);
                post.setEntity(new StringEntity(BODY, ContentType.APPLICATION_JSON));
                client.execute(post, response -> EntityUtils.toString(response.getEntity()));
            };
            TaskIntake intake = rotor.context().getRegistry().lookupByNameAndType("taskIntake", TaskIntake.class);
            ProducerTemplate template = rotor.context().createProducerTemplate();
            AtomicInteger ids = new AtomicInteger();
            Call throughRotor = i -> {
                Exchange exchange = new DefaultExchange(rotor.context());
                exchange.getIn().setBody(("{\"id\":\"b-" + ids.incrementAndGet() + "\",\"prompt\":\"Say hi\"}")
                        .getBytes(StandardCharsets.UTF_8));
                intake.accept(exchange);
                template.send("direct:complete", exchange);
                if (exchange.getException() != null) {
                    throw exchange.getException();
                }
            };
            for (Call warm : new Call[] {direct, throughRotor}) {
                latencies(warm, CALLS / 2);
            }
            long[] directNs = latencies(direct, CALLS);
            long[] rotorNs = latencies(throughRotor, CALLS);
            double directPerSecond = throughput(direct, CALLS);
            double rotorPerSecond = throughput(throughRotor, CALLS);

            double medianAdded = (percentile(rotorNs, 0.5) - percentile(directNs, 0.5)) / 1e6;
            double p99Added = (percentile(rotorNs, 0.99) - percentile(directNs, 0.99)) / 1e6;
            double ratio = rotorPerSecond / directPerSecond;
            System.out.printf(Locale.ROOT, "%nOverhead, %d calls each, simulator at zero latency%n", CALLS);
            System.out.printf(Locale.ROOT, "%-34s %12s %12s %12s%n", "", "direct", "Rotor", "Rotor/direct");
            System.out.printf(Locale.ROOT, "%-34s %12.3f %12.3f %12.2f%n", "median latency, concurrency 1 (ms)",
                    percentile(directNs, 0.5) / 1e6, percentile(rotorNs, 0.5) / 1e6, percentile(rotorNs, 0.5) / percentile(directNs, 0.5));
            System.out.printf(Locale.ROOT, "%-34s %12.3f %12.3f %12.2f%n", "p99 latency, concurrency 1 (ms)",
                    percentile(directNs, 0.99) / 1e6, percentile(rotorNs, 0.99) / 1e6, percentile(rotorNs, 0.99) / percentile(directNs, 0.99));
            System.out.printf(Locale.ROOT, "%-34s %12.0f %12.0f %12.2f%n", "throughput, concurrency 16 (/s)",
                    directPerSecond, rotorPerSecond, ratio);
            System.out.printf(Locale.ROOT, "added: median %.3f ms, p99 %.3f ms (targets: median <= 0.3 ms, throughput >= 0.8)%n",
                    medianAdded, p99Added);
            write(medianAdded, p99Added, ratio);
        }
    }

    private static long[] latencies(Call call, int n) throws Exception {
        long[] ns = new long[n];
        for (int i = 0; i < n; i++) {
            long start = System.nanoTime();
            call.run(i);
            ns[i] = System.nanoTime() - start;
        }
        Arrays.sort(ns);
        return ns;
    }

    private static double throughput(Call call, int n) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(CONCURRENCY);
        try {
            AtomicInteger next = new AtomicInteger();
            long start = System.nanoTime();
            Future<?>[] workers = new Future<?>[CONCURRENCY];
            for (int w = 0; w < CONCURRENCY; w++) {
                workers[w] = pool.submit(() -> {
                    for (int i = next.getAndIncrement(); i < n; i = next.getAndIncrement()) {
                        call.run(i);
                    }
                    return null;
                });
            }
            for (Future<?> f : workers) {
                f.get();
            }
            return n / ((System.nanoTime() - start) / 1e9);
        } finally {
            pool.shutdownNow();
        }
    }

    private static double percentile(long[] sorted, double p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
    }

    /** Merges the overhead figures into bench/results.json, keeping what other benchmarks wrote there. */
    private static void write(double medianAdded, double p99Added, double ratio) throws Exception {
        ObjectMapper json = new ObjectMapper();
        Path file = Path.of("bench/results.json");
        ObjectNode root = Files.exists(file) ? (ObjectNode) json.readTree(file.toFile()) : json.createObjectNode();
        Map<String, Object> overhead = new LinkedHashMap<>();
        overhead.put("median_added_ms", round(medianAdded));
        overhead.put("p99_added_ms", round(p99Added));
        overhead.put("throughput_ratio_c16", round(ratio));
        root.set("overhead", json.valueToTree(overhead));
        json.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), root);
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }
}
