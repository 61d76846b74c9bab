package dev.rotor.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.FreePorts;
import dev.rotor.support.RotorHarness;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The gateway's overhead, side by side in one run over the same zero-latency simulator and the same HTTP client:
 * straight to the simulator, through Rotor's gateway, and through Portkey's gateway (a single target, the same
 * simulator). Added latency at concurrency 1 (the paths take turns call by call), requests per second at concurrency 16
 * and 64 (median of three rounds taken in turn), and for streamed calls the time to the first content chunk. Run with
 * {@code bench/run gateway}; writes {@code bench/results.json} under {@code gateway}.
 */
public final class GatewayBenchmark {

    private static final int CALLS = Integer.getInteger("bench.gateway.calls", 2000);
    private static final int WARM_UP_CALLS = Integer.getInteger("bench.gateway.warm-up", 50_000);
    private static final String MODEL = "vendor/primary";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SLOW_CLIENTS = Integer.getInteger("bench.gateway.slow-clients", 5000);

    private GatewayBenchmark() {}

    public static void main(String[] args) throws Exception {
        // the clients let an idle connection go before a server closes it (the simulator's JDK server after 30 s,
        // Rotor's gateway after its idle-timeout): the JDK client would otherwise send a call on a closed one, and
        // does not retry a POST; read once, when the first client is built
        System.setProperty("jdk.httpclient.keepalive.timeout", "20");
        Path work = Files.createTempDirectory("rotor-gateway");
        // HTTP/1.1 with keep-alive, as SDKs talk to a gateway (and Portkey refuses the JDK's h2c upgrade headers)
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        Map<String, Object> figures = new LinkedHashMap<>();
        int rotorPort = FreePorts.next();
        try (SimulatorServer sim =
                        SimulatorServer.start(Scenario.builder().latencyMs(0).build());
                RotorHarness rotor = RotorHarness.on(work.resolve("rotor"), sim, MODEL, "vendor/secondary")
                        .set("rotor.intake", "http")
                        .set("rotor.gateway.port", Integer.toString(rotorPort))
                        // room for the slow clients below, held for the whole measurement
                        .set("rotor.gateway.max-connections", "10000")
                        .set("rotor.gateway.request-timeout", "300s")
                        .start()) {
            Optional<PortkeyGateway> portkey = PortkeyGateway.start(FreePorts.next(), work.resolve("portkey.log"));
            try {
                Map<String, Bench.Call> plain = new LinkedHashMap<>();
                Map<String, Streamed> streamed = new LinkedHashMap<>();
                add(plain, streamed, "direct", http, URI.create(sim.baseUrl() + "/chat/completions"), Map.of());
                add(
                        plain,
                        streamed,
                        "rotor",
                        http,
                        URI.create("http://127.0.0.1:" + rotorPort + "/v1/chat/completions"),
                        Map.of());
                portkey.ifPresent(p -> add(
                        plain,
                        streamed,
                        "portkey",
                        http,
                        p.baseUrl().resolve("/v1/chat/completions"),
                        Map.of("x-portkey-config", singleTarget(sim.baseUrl()))));
                System.out.printf(
                        Locale.ROOT,
                        "Gateway: %d calls per path, zero-latency simulator, one HTTP/1.1 client; paths %s%n",
                        CALLS,
                        plain.keySet());
                // every path runs warm, as a gateway in service does: the JIT has compiled its hot paths (Rotor's
                // p50 still fell by a third from 20,000 calls to 50,000; Node's V8 warms sooner), so the figures are
                // each gateway's steady state
                Bench.throughputs(plain, WARM_UP_CALLS, 16, 1);
                Bench.interleavedLatencies(plain, CALLS / 4);
                Map<String, long[]> latency = Bench.interleavedLatencies(plain, CALLS);
                firstChunks(streamed, WARM_UP_CALLS / 4);
                Map<String, long[]> firstChunk = firstChunks(streamed, CALLS / 2);
                Map<String, Double> c16 = Bench.throughputs(plain, CALLS, 16, 3);
                Map<String, Double> c64 = Bench.throughputs(plain, CALLS, 64, 3);
                for (String path : plain.keySet()) {
                    Map<String, Object> f = new LinkedHashMap<>();
                    f.put("p50_ms", Bench.round(Bench.percentile(latency.get(path), 0.5) / 1e6));
                    f.put("p99_ms", Bench.round(Bench.percentile(latency.get(path), 0.99) / 1e6));
                    if (firstChunk.containsKey(path)) {
                        f.put("first_chunk_p50_ms", Bench.round(Bench.percentile(firstChunk.get(path), 0.5) / 1e6));
                    }
                    f.put("rps_c16", Math.round(c16.get(path)));
                    f.put("rps_c64", Math.round(c64.get(path)));
                    figures.put(path, f);
                }
                figures.put("added", addedOverDirect(figures));
                figures.put("slow_clients", besideSlowClients(plain.get("rotor"), rotorPort, (double)
                        ((Map<?, ?>) figures.get("rotor")).get("p50_ms")));
                print(figures);
            } finally {
                if (portkey.isPresent()) {
                    portkey.get().close();
                }
            }
        }
        Bench.writeResults("gateway", figures);
    }

    /** What each gateway adds to a call over the direct path, from the figures of the same run. */
    private static Map<String, Object> addedOverDirect(Map<String, Object> figures) {
        Map<?, ?> direct = (Map<?, ?>) figures.get("direct");
        Map<String, Object> added = new LinkedHashMap<>();
        for (String gateway : List.of("rotor", "portkey")) {
            if (figures.get(gateway) instanceof Map<?, ?> f) {
                Map<String, Object> a = new LinkedHashMap<>();
                for (String figure : List.of("p50_ms", "p99_ms", "first_chunk_p50_ms")) {
                    if (f.get(figure) instanceof Double value && direct.get(figure) instanceof Double base) {
                        a.put(figure, Bench.round(value - base));
                    }
                }
                a.put(
                        "rps_c16_ratio",
                        Bench.round(((Number) f.get("rps_c16")).doubleValue()
                                / ((Number) direct.get("rps_c16")).doubleValue()));
                added.put(gateway, a);
            }
        }
        return added;
    }

    /**
     * Rotor's latency with {@value #SLOW_CLIENTS} connections held open by clients that sent headers and part of a
     * body, then nothing: what a normal request pays for them.
     */
    private static Map<String, Object> besideSlowClients(Bench.Call rotor, int port, double quietP50) throws Exception {
        List<Socket> slow = new ArrayList<>();
        try {
            for (int i = 0; i < SLOW_CLIENTS; i++) {
                Socket s = new Socket();
                s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
                s.getOutputStream()
                        .write(("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                                        + "application/json\r\nContent-Length: 200\r\n\r\n{\"messages\":")
                                .getBytes(StandardCharsets.US_ASCII));
                slow.add(s);
            }
            long[] ns =
                    Bench.interleavedLatencies(Map.of("rotor", rotor), CALLS).get("rotor");
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("connections", SLOW_CLIENTS);
            f.put("p50_ms", Bench.round(Bench.percentile(ns, 0.5) / 1e6));
            f.put("p99_ms", Bench.round(Bench.percentile(ns, 0.99) / 1e6));
            f.put("p50_added_ms", Bench.round((double) f.get("p50_ms") - quietP50));
            return f;
        } finally {
            for (Socket s : slow) {
                s.close();
            }
        }
    }

    private static void add(
            Map<String, Bench.Call> plain,
            Map<String, Streamed> streamed,
            String name,
            HttpClient http,
            URI url,
            Map<String, String> headers) {
        plain.put(name, i -> {
            HttpResponse<String> r;
            try {
                r = http.send(request(url, headers, false, i), HttpResponse.BodyHandlers.ofString());
            } catch (IOException e) {
                // which path lost its connection, for the run's record
                throw new IOException(name + ": call " + i + " failed: " + e.getMessage(), e);
            }
            if (r.statusCode() != 200) {
                throw new IllegalStateException(name + " answered " + r.statusCode() + ": " + r.body());
            }
        });
        streamed.put(name, i -> {
            long start = System.nanoTime();
            HttpResponse<Stream<String>> r =
                    http.send(request(url, headers, true, i), HttpResponse.BodyHandlers.ofLines());
            long[] first = {0};
            // the whole stream is read, so the connection is reused; only the wait for its first content is timed
            try (Stream<String> lines = r.body()) {
                lines.forEach(l -> {
                    if (first[0] == 0 && l.contains("\"content\":\"Simulated")) {
                        first[0] = System.nanoTime() - start;
                    }
                });
            }
            if (first[0] == 0) {
                throw new IllegalStateException(name + " streamed no content (HTTP " + r.statusCode() + ")");
            }
            return first[0];
        });
    }

    /** A streamed call: the nanoseconds to its first content chunk. */
    interface Streamed {
        long firstChunkNs(int i) throws Exception;
    }

    /** Each path's times to the first chunk, sorted; the paths take turns. A path that cannot stream is left out. */
    private static Map<String, long[]> firstChunks(Map<String, Streamed> paths, int n) throws Exception {
        Map<String, Streamed> working = new LinkedHashMap<>();
        for (Map.Entry<String, Streamed> p : paths.entrySet()) {
            try {
                p.getValue().firstChunkNs(-1);
                working.put(p.getKey(), p.getValue());
            } catch (Exception e) {
                System.out.println(p.getKey() + ": streaming left out, " + e.getMessage());
            }
        }
        Map<String, long[]> ns = new LinkedHashMap<>();
        working.keySet().forEach(name -> ns.put(name, new long[n]));
        for (int i = 0; i < n; i++) {
            for (Map.Entry<String, Streamed> p : working.entrySet()) {
                ns.get(p.getKey())[i] = p.getValue().firstChunkNs(i);
            }
        }
        ns.values().forEach(Arrays::sort);
        return ns;
    }

    private static HttpRequest request(URI url, Map<String, String> headers, boolean stream, int i) {
        String body = "{\"model\":\"" + MODEL + "\"," + (stream ? "\"stream\":true," : "")
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Say hi " + i + "\"}]}";
        HttpRequest.Builder b = HttpRequest.newBuilder(url)
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .header("Authorization", "Bearer sk-bench-not-a-key")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(b::header);
        return b.build();
    }

    private static String singleTarget(URI simulator) {
        ObjectNode config = JSON.createObjectNode();
        config.put("provider", "openai").put("api_key", "sk-bench-not-a-key").put("custom_host", simulator.toString());
        return config.toString();
    }

    @SuppressWarnings("unchecked")
    private static void print(Map<String, Object> figures) {
        System.out.printf(
                Locale.ROOT,
                "%n%-8s %8s %8s %14s %9s %9s%n",
                "path",
                "p50 ms",
                "p99 ms",
                "1st chunk ms",
                "rps c16",
                "rps c64");
        figures.forEach((path, v) -> {
            if (path.equals("slow_clients") || path.equals("added")) {
                return;
            }
            Map<String, Object> f = (Map<String, Object>) v;
            System.out.printf(
                    Locale.ROOT,
                    "%-8s %8.3f %8.3f %14s %9d %9d%n",
                    path,
                    f.get("p50_ms"),
                    f.get("p99_ms"),
                    f.getOrDefault("first_chunk_p50_ms", "-"),
                    f.get("rps_c16"),
                    f.get("rps_c64"));
        });
        ((Map<String, Map<String, Object>>) figures.get("added"))
                .forEach((path, added) -> System.out.printf(
                        Locale.ROOT,
                        "%s adds: p50 %.3f ms, p99 %.3f ms, first chunk %s ms; rps c16 %.2fx direct%n",
                        path,
                        added.get("p50_ms"),
                        added.get("p99_ms"),
                        added.getOrDefault("first_chunk_p50_ms", "-"),
                        added.get("rps_c16_ratio")));
        Map<String, Object> slow = (Map<String, Object>) figures.get("slow_clients");
        System.out.printf(
                Locale.ROOT,
                "rotor beside %d slow clients: p50 %.3f ms (%+.3f ms), p99 %.3f ms%n",
                slow.get("connections"),
                slow.get("p50_ms"),
                slow.get("p50_added_ms"),
                slow.get("p99_ms"));
        Map<String, Object> rotor = (Map<String, Object>) figures.get("rotor");
        Map<String, Object> portkey = (Map<String, Object>) figures.get("portkey");
        if (portkey != null) {
            System.out.printf(
                    Locale.ROOT,
                    "rotor's rps at c16: %.2fx portkey's%n",
                    ((Number) rotor.get("rps_c16")).doubleValue() / ((Number) portkey.get("rps_c16")).doubleValue());
        }
        System.out.println("targets for rotor: p50 added <= 0.3 ms; first chunk added <= 1 ms at p50; rps at c16 >= 4x "
                + "portkey's; beside 5,000 slow clients, p50 within 50 ms of its usual");
    }
}
