package dev.rotor.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

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
        Scenario s = Scenario.builder().pool("free-models-per-min", 2, 60_000, ":free").build();
        try (SimulatorServer sim = SimulatorServer.start(s)) {
            assertThat(call(sim, "a:free", null).statusCode()).isEqualTo(200);
            HttpResponse<String> second = call(sim, "b:free", null);
            assertThat(second.statusCode()).isEqualTo(200);
            assertThat(second.headers().firstValue("X-RateLimit-Remaining")).contains("0");
            HttpResponse<String> third = call(sim, "a:free", null);
            assertThat(third.statusCode()).isEqualTo(429);
            JsonNode error = JSON.readTree(third.body()).path("error");
            assertThat(error.path("message").asText()).contains("free-models-per-min");
            long reset = Long.parseLong(third.headers().firstValue("X-RateLimit-Reset").orElseThrow());
            assertThat(Instant.ofEpochMilli(reset)).isAfter(Instant.now());
            assertThat(error.path("metadata").path("headers").path("X-RateLimit-Reset").asLong()).isEqualTo(reset);
            // a paid model is outside the pool
            assertThat(call(sim, "paid", null).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void shouldSendRetryAfterWhenAModelsOwnLimitIsHit() throws Exception {
        Scenario s = Scenario.builder().model("m", Scenario.ModelBehaviour.limited(1, 30_000)).build();
        try (SimulatorServer sim = SimulatorServer.start(s)) {
            call(sim, "m", null);
            HttpResponse<String> limited = call(sim, "m", null);
            assertThat(limited.statusCode()).isEqualTo(429);
            assertThat(Integer.parseInt(limited.headers().firstValue("Retry-After").orElseThrow())).isBetween(1, 30);
            assertThat(JSON.readTree(limited.body()).path("error").path("metadata").path("provider_name").asText())
                    .isEqualTo("Simulated");
        }
    }

    @Test
    void shouldPlayAScriptThenServeNormally() throws Exception {
        Scenario s = Scenario.builder().model("m", Scenario.ModelBehaviour.unlimited().withScript("503", "empty", "error-200"))
                .build();
        try (SimulatorServer sim = SimulatorServer.start(s)) {
            assertThat(call(sim, "m", null).statusCode()).isEqualTo(503);
            HttpResponse<String> empty = call(sim, "m", null);
            assertThat(JSON.readTree(empty.body()).path("choices").path(0).path("message").path("content").asText()).isEmpty();
            HttpResponse<String> errorIn200 = call(sim, "m", null);
            assertThat(errorIn200.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(errorIn200.body()).has("error")).isTrue();
            HttpResponse<String> ok = call(sim, "m", null);
            assertThat(JSON.readTree(ok.body()).path("choices").path(0).path("message").path("content").asText())
                    .contains("Simulated answer from m");
            assertThat(sim.callsTo("m")).isEqualTo(4);
        }
    }

    @Test
    void shouldLoadEveryShippedScenario() throws Exception {
        try (var files = java.nio.file.Files.list(java.nio.file.Path.of("examples/simulator"))) {
            assertThat(files.toList()).isNotEmpty().allSatisfy(f -> assertThat(Scenario.load(f).models()).isNotEmpty());
        }
    }

    @Test
    void shouldRefuseAWrongKeyAndUnknownModels() throws Exception {
        Scenario s = Scenario.builder().requiredKey("right").serveUnknownModels(false)
                .model("known", Scenario.ModelBehaviour.unlimited()).build();
        try (SimulatorServer sim = SimulatorServer.start(s)) {
            assertThat(call(sim, "known", "wrong").statusCode()).isEqualTo(401);
            assertThat(call(sim, "known", "right").statusCode()).isEqualTo(200);
            HttpResponse<String> unknown = call(sim, "nobody/nothing", "right");
            assertThat(unknown.statusCode()).isEqualTo(404);
            assertThat(unknown.body()).contains("No endpoints found for nobody/nothing");
        }
    }
}
