package dev.rotor.simulator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.support.MutableClock;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SimulatorServerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> call(SimulatorServer sim, String model, String key) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}"));
        if (key != null) {
            b.header("Authorization", "Bearer " + key);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldAnswerLikeOpenRouterWhenTheFreePoolIsExhausted() throws Exception {
        Scenario s = Scenario.builder()
                .pool("free-models-per-min", 2, 60_000, ":free")
                .build();
        try (SimulatorServer sim = SimulatorServer.start(s)) {
            assertThat(call(sim, "a:free", null).statusCode()).isEqualTo(200);
            HttpResponse<String> second = call(sim, "b:free", null);
            assertThat(second.statusCode()).isEqualTo(200);
            assertThat(second.headers().firstValue("X-RateLimit-Remaining")).contains("0");
            HttpResponse<String> third = call(sim, "a:free", null);
            assertThat(third.statusCode()).isEqualTo(429);
            JsonNode error = JSON.readTree(third.body()).path("error");
            assertThat(error.path("message").asText()).contains("free-models-per-min");
            long reset = Long.parseLong(
                    third.headers().firstValue("X-RateLimit-Reset").orElseThrow());
            assertThat(Instant.ofEpochMilli(reset)).isAfter(Instant.now());
            assertThat(error.path("metadata")
                            .path("headers")
                            .path("X-RateLimit-Reset")
                            .asLong())
                    .isEqualTo(reset);
            // a paid model is outside the pool
            assertThat(call(sim, "paid", null).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void shouldSendRetryAfterWhenAModelsOwnLimitIsHit() throws Exception {
        Scenario s = Scenario.builder()
                .model("m", Scenario.ModelBehaviour.limited(1, 30_000))
                .build();
        try (SimulatorServer sim = SimulatorServer.start(s)) {
            call(sim, "m", null);
            HttpResponse<String> limited = call(sim, "m", null);
            assertThat(limited.statusCode()).isEqualTo(429);
            assertThat(Integer.parseInt(
                            limited.headers().firstValue("Retry-After").orElseThrow()))
                    .isBetween(1, 30);
            assertThat(JSON.readTree(limited.body())
                            .path("error")
                            .path("metadata")
                            .path("provider_name")
                            .asText())
                    .isEqualTo("Simulated");
        }
    }

    @Test
    void shouldPlayAScriptThenServeNormally() throws Exception {
        Scenario s = Scenario.builder()
                .model("m", Scenario.ModelBehaviour.unlimited().withScript("503", "empty", "error-200"))
                .build();
        try (SimulatorServer sim = SimulatorServer.start(s)) {
            assertThat(call(sim, "m", null).statusCode()).isEqualTo(503);
            HttpResponse<String> empty = call(sim, "m", null);
            assertThat(JSON.readTree(empty.body())
                            .path("choices")
                            .path(0)
                            .path("message")
                            .path("content")
                            .asText())
                    .isEmpty();
            HttpResponse<String> errorIn200 = call(sim, "m", null);
            assertThat(errorIn200.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(errorIn200.body()).has("error")).isTrue();
            HttpResponse<String> ok = call(sim, "m", null);
            assertThat(JSON.readTree(ok.body())
                            .path("choices")
                            .path(0)
                            .path("message")
                            .path("content")
                            .asText())
                    .contains("Simulated answer from m");
            assertThat(sim.callsTo("m")).isEqualTo(4);
        }
    }

    @Test
    void shouldFreeASlidingWindowsSlotsOneByOneAWindowAfterEachCall() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-28T10:00:00Z"));
        Scenario.Reporting silent = new Scenario.Reporting(false, false, Scenario.RetryAfter.MILLISECONDS);
        Scenario s = Scenario.builder()
                .model("m", Scenario.ModelBehaviour.limited(2, 10_000).withShape(Limiter.Shape.SLIDING, silent))
                .build();
        try (SimulatorServer sim = SimulatorServer.start(s, clock, 0)) {
            assertThat(call(sim, "m", null).statusCode()).isEqualTo(200);
            clock.advance(Duration.ofSeconds(4));
            HttpResponse<String> second = call(sim, "m", null);
            assertThat(second.statusCode()).isEqualTo(200);
            assertThat(second.headers().firstValue("X-RateLimit-Remaining")).isEmpty();
            HttpResponse<String> refused = call(sim, "m", null);
            assertThat(refused.statusCode()).isEqualTo(429);
            // the first call leaves the window 10 s after it came, 6 s from now
            assertThat(refused.headers().firstValue("retry-after-ms")).contains("6000");
            assertThat(refused.headers().firstValue("Retry-After")).contains("6");
            assertThat(refused.headers().firstValue("X-RateLimit-Limit")).isEmpty();
            clock.advance(Duration.ofSeconds(6));
            assertThat(call(sim, "m", null).statusCode()).isEqualTo(200);
            assertThat(call(sim, "m", null).statusCode()).isEqualTo(429);
        }
    }

    @Test
    void shouldRefillATokenBucketContinuouslyAfterItsBurst() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-28T10:00:00Z"));
        Scenario s = Scenario.builder()
                .pool(
                        "bucket",
                        4,
                        2_000,
                        ":free",
                        Limiter.Shape.BUCKET,
                        new Scenario.Reporting(true, true, Scenario.RetryAfter.MILLISECONDS))
                .build();
        try (SimulatorServer sim = SimulatorServer.start(s, clock, 0)) {
            for (int i = 0; i < 4; i++) {
                assertThat(call(sim, "a:free", null).statusCode()).isEqualTo(200);
            }
            HttpResponse<String> refused = call(sim, "b:free", null);
            assertThat(refused.statusCode()).isEqualTo(429);
            // four tokens per 2 s: the next one in 500 ms
            assertThat(refused.headers().firstValue("retry-after-ms")).contains("500");
            assertThat(refused.headers().firstValue("X-RateLimit-Remaining")).contains("0");
            assertThat(JSON.readTree(refused.body())
                            .path("error")
                            .path("message")
                            .asText())
                    .contains("bucket");
            clock.advance(Duration.ofMillis(500));
            HttpResponse<String> refilled = call(sim, "a:free", null);
            assertThat(refilled.statusCode()).isEqualTo(200);
            // a success reports when the bucket is full again
            assertThat(Long.parseLong(
                            refilled.headers().firstValue("X-RateLimit-Reset").orElseThrow()))
                    .isEqualTo(clock.millis() + 2_000);
            assertThat(call(sim, "a:free", null).statusCode()).isEqualTo(429);
        }
    }

    @Test
    void shouldNameWhenTheBucketIsFullAgainInA429WhenItsResetMeansFullAsOpenAisDoes() throws Exception {
        MutableClock clock = new MutableClock(Instant.parse("2026-11-28T10:00:00Z"));
        Scenario s = Scenario.builder()
                .pool(
                        "bucket",
                        4,
                        2_000,
                        ":free",
                        Limiter.Shape.BUCKET,
                        new Scenario.Reporting(true, true, Scenario.RetryAfter.SECONDS, Scenario.Reset.FULL))
                .build();
        try (SimulatorServer sim = SimulatorServer.start(s, clock, 0)) {
            for (int i = 0; i < 4; i++) {
                assertThat(call(sim, "a:free", null).statusCode()).isEqualTo(200);
            }
            HttpResponse<String> refused = call(sim, "b:free", null);
            assertThat(refused.statusCode()).isEqualTo(429);
            // the next token comes in 500 ms, but the bucket is whole again only in 2 s: the reset names that
            assertThat(Long.parseLong(
                            refused.headers().firstValue("X-RateLimit-Reset").orElseThrow()))
                    .isEqualTo(clock.millis() + 2_000);
            assertThat(refused.headers().firstValue("Retry-After")).contains("2");
        }
    }

    @Test
    void shouldReadLimiterShapesAndReportingFromAScenarioFile(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("s.yaml");
        Files.writeString(file, """
                pools:
                  - { name: p, limit: 3, window-ms: 1000, applies-to: ":free", shape: sliding, headers-on-success: false }
                models:
                  m: { limit: 2, window-ms: 500, shape: bucket, retry-after: none, reset: full }
                """);
        Scenario s = Scenario.load(file);
        assertThat(s.pools().get(0).shape()).isEqualTo(Limiter.Shape.SLIDING);
        assertThat(s.pools().get(0).reporting())
                .isEqualTo(new Scenario.Reporting(false, true, Scenario.RetryAfter.NONE));
        assertThat(s.models().get("m").shape()).isEqualTo(Limiter.Shape.BUCKET);
        assertThat(s.models().get("m").reporting())
                .isEqualTo(new Scenario.Reporting(false, false, Scenario.RetryAfter.NONE, Scenario.Reset.FULL));
        Files.writeString(file, "models: { m: { limit: 2, window-ms: 500, shape: leaky } }");
        assertThatThrownBy(() -> Scenario.load(file)).hasMessageContaining("shape must be fixed, sliding or bucket");
    }

    @Test
    void shouldLoadEveryShippedScenario() throws Exception {
        try (var files = Files.list(Path.of("examples/simulator"))) {
            assertThat(files.toList())
                    .isNotEmpty()
                    .allSatisfy(f -> assertThat(Scenario.load(f).models()).isNotEmpty());
        }
    }

    @Test
    void shouldRefuseAWrongKeyAndUnknownModels() throws Exception {
        Scenario s = Scenario.builder()
                .requiredKey("right")
                .serveUnknownModels(false)
                .model("known", Scenario.ModelBehaviour.unlimited())
                .build();
        try (SimulatorServer sim = SimulatorServer.start(s)) {
            assertThat(call(sim, "known", "wrong").statusCode()).isEqualTo(401);
            assertThat(call(sim, "known", "right").statusCode()).isEqualTo(200);
            HttpResponse<String> unknown = call(sim, "nobody/nothing", "right");
            assertThat(unknown.statusCode()).isEqualTo(404);
            assertThat(unknown.body()).contains("No endpoints found for nobody/nothing");
        }
    }
}
