package dev.rotor.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.simulator.Scenario;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The hostile-input corpus and hostile HTTP, sent to the gateway all at once: each gets an answer in OpenAI's shape (a
 * completion, or a 4xx error), none a 5xx, none hangs, and the gateway serves a good request after them all.
 */
class GatewayHostileInputTest {

    private static final Path CORPUS = Path.of("src/test/resources/hostile");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    @Test
    void shouldAnswerEveryHostileRequestWithAnOpenAiShapedAnswerAndKeepServing() throws Exception {
        int port = FreePorts.next();
        URI completions = URI.create("http://127.0.0.1:" + port + "/v1/chat/completions");
        HttpClient http =
                HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        try (SimulatorServer sim = SimulatorServer.start(Scenario.builder().build());
                RotorHarness rotor = RotorHarness.on(dir, sim, "vendor/primary")
                        .set("rotor.intake", "http")
                        .set("rotor.gateway.port", Integer.toString(port))
                        .set("rotor.gateway.max-body", "64KiB")
                        .start();
                Stream<Path> files = Files.list(CORPUS)) {
            List<HttpRequest> hostile = new ArrayList<>();
            for (Path f :
                    files.filter(f -> f.toString().endsWith(".json")).sorted().toList()) {
                hostile.add(post(completions, HttpRequest.BodyPublishers.ofByteArray(Files.readAllBytes(f)), Map.of()));
            }
            String good = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
            hostile.add(
                    post(completions, HttpRequest.BodyPublishers.ofString(good), Map.of("X-Rotor-Timeout-Ms", "soon")));
            hostile.add(post(
                    completions,
                    HttpRequest.BodyPublishers.ofString(good),
                    Map.of("X-Request-Id", "../../etc/passwd")));
            hostile.add(
                    post(completions, HttpRequest.BodyPublishers.ofString(good), Map.of("Content-Type", "text/plain")));
            hostile.add(post(
                    completions, HttpRequest.BodyPublishers.ofString("{\"model\":42,\"messages\":[{}]}"), Map.of()));
            hostile.add(post(
                    completions,
                    HttpRequest.BodyPublishers.ofString(
                            "{\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(100_000) + "\"}]}"),
                    Map.of()));
            hostile.add(post(
                    completions,
                    HttpRequest.BodyPublishers.ofByteArray(new byte[] {(byte) 0xff, (byte) 0xfe, 0, 1}),
                    Map.of()));

            List<CompletableFuture<HttpResponse<String>>> answers = hostile.stream()
                    .map(r -> http.sendAsync(r, HttpResponse.BodyHandlers.ofString()))
                    .toList();
            for (int i = 0; i < answers.size(); i++) {
                HttpResponse<String> answer = answers.get(i).get(30, TimeUnit.SECONDS);
                String what = hostile.get(i).uri() + " #" + i + ": " + answer.statusCode() + " " + answer.body();
                assertThat(answer.statusCode()).as(what).isIn(200, 400, 404, 413, 415);
                JsonNode body = JSON.readTree(answer.body());
                if (answer.statusCode() == 200) {
                    assertThat(body.path("choices").isArray()).as(what).isTrue();
                } else {
                    assertThat(body.path("error").path("message").asText())
                            .as(what)
                            .isNotBlank();
                    assertThat(body.path("error").path("type").asText())
                            .as(what)
                            .isEqualTo("invalid_request_error");
                }
            }
            // the request id that was a path came back as one of Rotor's own
            assertThat(answers.get(hostile.size() - 5).get().headers().firstValue("X-Request-Id"))
                    .hasValueSatisfying(id -> assertThat(id).startsWith("gw-"));
            assertThat(http.send(
                                    HttpRequest.newBuilder(
                                                    URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                                            .GET()
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .statusCode())
                    .isEqualTo(405);

            HttpResponse<String> after = http.send(
                    post(completions, HttpRequest.BodyPublishers.ofString(good), Map.of()),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(after.statusCode()).isEqualTo(200);
            GatewayIntake intake =
                    rotor.context().getRegistry().lookupByNameAndType("gatewayIntake", GatewayIntake.class);
            // a request's place is released as its exchange completes, just after its answer went out
            Awaitility.await()
                    .atMost(Duration.ofSeconds(5))
                    .alias("every request released its place")
                    .until(() -> intake.inFlight() == 0);
        }
    }

    private static HttpRequest post(URI uri, HttpRequest.BodyPublisher body, Map<String, String> headers) {
        HttpRequest.Builder b =
                HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).POST(body);
        if (!headers.containsKey("Content-Type")) {
            b.header("Content-Type", "application/json");
        }
        headers.forEach(b::header);
        return b.build();
    }
}
