package dev.rotor.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.Scenario.ModelBehaviour;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.FreePorts;
import dev.rotor.support.RotorHarness;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * Streams that break, rescued or not, side by side in one run: 1,000 streamed requests through the gateway where the
 * first model cuts a fifth of its streams after their third chunk; once with {@code rotor.gateway.resume=prefill} (the
 * next model finishes them from the text the caller has), once with {@code never}, and once with no cuts at all for the
 * times a clean stream takes, after a run not counted that warms the JVM. A cut comes 100 ms after the third chunk (the
 * simulator makes sure it is sent), so a cut stream's total includes that. For each: how many answers came whole (the
 * text the model meant, ended by [DONE]), and the first-chunk and total times at p50 and p99. Run with {@code bench/run
 * rescue}; writes {@code bench/results.json} under {@code rescue}.
 */
public final class RescueBenchmark {

    private static final int REQUESTS = Integer.getInteger("bench.rescue.requests", 1000);
    private static final int CONCURRENCY = 16;
    private static final double CUT_RATE = 0.2;
    private static final String PRIMARY = "vendor/primary";
    private static final ObjectMapper JSON = new ObjectMapper();

    private RescueBenchmark() {}

    public static void main(String[] args) throws Exception {
        Path work = Files.createTempDirectory("rotor-rescue");
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        Map<String, Object> figures = new LinkedHashMap<>();
        System.out.printf(
                Locale.ROOT,
                "Rescue: %d streamed requests at concurrency %d; the first model cuts %.0f%% of "
                        + "its streams after their third chunk%n",
                REQUESTS,
                CONCURRENCY,
                CUT_RATE * 100);
        // a run not counted first, so that each counted one runs warm (the JIT has compiled the relay and the seam)
        run(work.resolve("warm-up"), http, CUT_RATE, "prefill");
        figures.put("no_cuts", run(work.resolve("clean"), http, 0, "prefill"));
        figures.put("resume_prefill", run(work.resolve("prefill"), http, CUT_RATE, "prefill"));
        figures.put("resume_never", run(work.resolve("never"), http, CUT_RATE, "never"));
        print(figures);
        Bench.writeResults("rescue", figures);
    }

    private static Map<String, Object> run(Path dir, HttpClient http, double cutRate, String resume) throws Exception {
        Scenario scenario = Scenario.builder()
                .latencyMs(0)
                .seed(7)
                .model(
                        PRIMARY,
                        cutRate > 0
                                ? ModelBehaviour.unlimited().withFaults(cutRate, "stream-cut:3")
                                : ModelBehaviour.unlimited())
                .model("vendor/secondary", ModelBehaviour.unlimited())
                .build();
        int port = FreePorts.next();
        long[] first = new long[REQUESTS];
        long[] total = new long[REQUESTS];
        AtomicInteger whole = new AtomicInteger();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor = RotorHarness.on(dir, sim, PRIMARY, "vendor/secondary")
                        .set("rotor.intake", "http")
                        .set("rotor.gateway.port", Integer.toString(port))
                        .set("rotor.gateway.resume", resume)
                        .start()) {
            URI url = URI.create("http://127.0.0.1:" + port + "/v1/chat/completions");
            Bench.runConcurrently(
                    i -> {
                        long start = System.nanoTime();
                        HttpResponse<Stream<String>> r =
                                http.send(request(url, i), HttpResponse.BodyHandlers.ofLines());
                        StringBuilder text = new StringBuilder();
                        boolean[] done = {false};
                        try (Stream<String> lines = r.body()) {
                            lines.filter(l -> l.startsWith("data: ")).forEach(l -> {
                                String data = l.substring(6);
                                if (data.equals("[DONE]")) {
                                    done[0] = true;
                                    return;
                                }
                                String content = content(data);
                                if (!content.isEmpty() && text.isEmpty()) {
                                    first[i] = System.nanoTime() - start;
                                }
                                text.append(content);
                            });
                        }
                        total[i] = System.nanoTime() - start;
                        // whole: the text a model meant, whichever served it (an open breaker sends the first model's
                        // to the next)
                        if (done[0]
                                && text.toString()
                                        .matches("Simulated answer from vendor/(primary|secondary) to: Say hi " + i)) {
                            whole.incrementAndGet();
                        }
                    },
                    REQUESTS,
                    CONCURRENCY);
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("whole", whole.get());
            f.put(
                    "cut",
                    sim.calls().stream()
                            .filter(c -> c.model().equals(PRIMARY) && c.answer().startsWith("stream-cut"))
                            .count());
            f.put(
                    "continuations",
                    sim.calls().stream()
                            .filter(c -> c.request() != null && lastIsAssistant(c.request()))
                            .count());
            Arrays.sort(first);
            Arrays.sort(total);
            f.put("first_chunk_p50_ms", Bench.round(Bench.percentile(first, 0.5) / 1e6));
            f.put("first_chunk_p99_ms", Bench.round(Bench.percentile(first, 0.99) / 1e6));
            f.put("total_p50_ms", Bench.round(Bench.percentile(total, 0.5) / 1e6));
            f.put("total_p99_ms", Bench.round(Bench.percentile(total, 0.99) / 1e6));
            return f;
        }
    }

    private static boolean lastIsAssistant(JsonNode request) {
        JsonNode messages = request.path("messages");
        return messages.path(messages.size() - 1).path("role").asText().equals("assistant");
    }

    private static String content(String data) {
        try {
            return JSON.readTree(data)
                    .path("choices")
                    .path(0)
                    .path("delta")
                    .path("content")
                    .asText("");
        } catch (Exception e) {
            return "";
        }
    }

    private static HttpRequest request(URI url, int i) {
        return HttpRequest.newBuilder(url)
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"rotor\",\"stream\":true,\"messages\":"
                        + "[{\"role\":\"user\",\"content\":\"Say hi " + i + "\"}]}"))
                .build();
    }

    @SuppressWarnings("unchecked")
    private static void print(Map<String, Object> figures) {
        System.out.printf(
                Locale.ROOT,
                "%n%-15s %6s %5s %6s %12s %12s %10s %10s%n",
                "run",
                "whole",
                "cut",
                "cont.",
                "1st p50 ms",
                "1st p99 ms",
                "total p50",
                "total p99");
        figures.forEach((name, v) -> {
            Map<String, Object> f = (Map<String, Object>) v;
            System.out.printf(
                    Locale.ROOT,
                    "%-15s %6d %5d %6d %12.3f %12.3f %10.3f %10.3f%n",
                    name,
                    f.get("whole"),
                    f.get("cut"),
                    f.get("continuations"),
                    f.get("first_chunk_p50_ms"),
                    f.get("first_chunk_p99_ms"),
                    f.get("total_p50_ms"),
                    f.get("total_p99_ms"));
        });
        System.out.printf(
                Locale.ROOT,
                "target: every answer whole with resume=prefill (%d of %d)%n",
                ((Map<String, Object>) figures.get("resume_prefill")).get("whole"),
                REQUESTS);
    }
}
