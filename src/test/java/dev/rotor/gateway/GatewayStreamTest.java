package dev.rotor.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.Scenario.ModelBehaviour;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.FreePorts;
import dev.rotor.support.RotorHarness;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Streamed answers through the gateway: before the first content chunk a failure rotates as for any call and the caller
 * sees one clean stream; after it, with resume off, a failure ends the stream with an error event and no [DONE]
 * (GatewayStreamRescueTest: another model finishes it).
 */
class GatewayStreamTest {

    private static final String PRIMARY = "vendor/primary";
    private static final String SECONDARY = "vendor/secondary";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ANSWER = "Simulated answer from " + SECONDARY + " to: Say hi";

    @TempDir
    Path dir;

    private RotorHarness gateway(SimulatorServer sim, int port) {
        return RotorHarness.on(dir, sim, PRIMARY, SECONDARY)
                .set("rotor.intake", "http")
                .set("rotor.gateway.port", Integer.toString(port))
                .set("rotor.gateway.first-token-timeout", "1s")
                .set("rotor.gateway.stall-timeout", "1s");
    }

    private static OpenAIClient client(int port) {
        return OpenAIOkHttpClient.builder()
                .baseUrl("http://127.0.0.1:" + port + "/v1")
                .apiKey("any")
                .maxRetries(0)
                .timeout(Duration.ofSeconds(20))
                .build();
    }

    private static Scenario scenario(String primaryScript, String secondaryScript) {
        // an error event is a transient failure: the model is tried three times before the request rotates
        String[] script = primaryScript.equals("stream-error-first")
                ? new String[] {primaryScript, primaryScript, primaryScript}
                : new String[] {primaryScript};
        return Scenario.builder()
                .slowMs(3_000)
                .model(PRIMARY, ModelBehaviour.unlimited().withScript(script))
                .model(
                        SECONDARY,
                        secondaryScript == null
                                ? ModelBehaviour.unlimited()
                                : ModelBehaviour.unlimited().withScript(secondaryScript))
                .build();
    }

    @Test
    void shouldRotateBeforeTheFirstChunkOnA429AnErrorEventOrASlowFirstTokenAndStreamOneCleanAnswer() throws Exception {
        for (String failure : List.of("429", "stream-error-first", "stream-slow-first")) {
            int port = FreePorts.next();
            try (SimulatorServer sim = SimulatorServer.start(scenario(failure, null));
                    RotorHarness rotor = gateway(sim, port).start();
                    StreamResponse<ChatCompletionChunk> stream = client(port)
                            .chat()
                            .completions()
                            .createStreaming(ChatCompletionCreateParams.builder()
                                    .model("rotor")
                                    .addUserMessage("Say hi")
                                    .build())) {
                List<ChatCompletionChunk> chunks = stream.stream().toList();
                assertThat(chunks)
                        .as(failure)
                        .isNotEmpty()
                        .allSatisfy(c -> assertThat(c.model()).isEqualTo(SECONDARY));
                String text = chunks.stream()
                        .flatMap(c -> c.choices().stream())
                        .map(c -> c.delta().content().orElse(""))
                        .collect(Collectors.joining());
                assertThat(text).as(failure).isEqualTo(ANSWER);
                // a 429 and a silent first token rotate at once; an error event after the model's three tries
                assertThat(sim.calls())
                        .extracting(SimulatorServer.Call::model)
                        .as(failure)
                        .endsWith(PRIMARY, SECONDARY)
                        .hasSize(failure.equals("stream-error-first") ? 4 : 2);
            }
        }
    }

    @Test
    void shouldEndTheStreamWithAnErrorEventAndNoDoneWhenItBreaksAfterTheFirstChunk() throws Exception {
        String[][] cases = {
            {"stream-cut", "the provider's stream"},
            {"stream-stall", "sent nothing for 1000 ms"},
            {"stream-error", "Provider disconnected unexpectedly"}
        };
        for (String[] c : cases) {
            int port = FreePorts.next();
            try (SimulatorServer sim = SimulatorServer.start(scenario(c[0], null));
                    RotorHarness rotor = gateway(sim, port)
                            .set("rotor.gateway.resume", "never")
                            .start()) {
                HttpResponse<String> answer = post(port);
                assertThat(answer.statusCode()).isEqualTo(200);
                assertThat(answer.headers().firstValue("Content-Type"))
                        .hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
                List<JsonNode> events = events(answer.body());
                assertThat(answer.body()).as(c[0]).doesNotContain("[DONE]");
                JsonNode last = events.get(events.size() - 1);
                assertThat(last.path("choices").path(0).path("finish_reason").asText())
                        .as(c[0])
                        .isEqualTo("error");
                assertThat(last.path("error").path("message").asText()).as(c[0]).contains(c[1]);
                assertThat(events.get(1)
                                .path("choices")
                                .path(0)
                                .path("delta")
                                .path("content")
                                .asText())
                        .isEqualTo("Simulated ");
                assertThat(events)
                        .allSatisfy(e -> assertThat(e.path("model").asText()).isEqualTo(PRIMARY));
                // the truncated answer counts against the model that broke it
                String metrics = rotor.context()
                        .getRegistry()
                        .lookupByNameAndType("metricsRegistry", PrometheusMeterRegistry.class)
                        .scrape();
                assertThat(metrics).contains("rotor_gateway_streams_broken_total{model=\"" + PRIMARY + "\"} 1.0");
            }
        }
    }

    @Test
    void shouldDropAMalformedChunkAndFinishAStreamThatEndsCleanlyWithoutDone() throws Exception {
        int port = FreePorts.next();
        try (SimulatorServer sim = SimulatorServer.start(scenario("stream-malformed", null));
                RotorHarness rotor = gateway(sim, port).start()) {
            HttpResponse<String> malformed = post(port);
            assertThat(malformed.body()).doesNotContain("gen-broken").endsWith("data: [DONE]\n\n");
            assertThat(text(events(malformed.body()))).isEqualTo(ANSWER.replace(SECONDARY, PRIMARY));
            String metrics = rotor.context()
                    .getRegistry()
                    .lookupByNameAndType("metricsRegistry", PrometheusMeterRegistry.class)
                    .scrape();
            assertThat(metrics).contains("rotor_gateway_stream_chunks_skipped_total 1.0");
        }
        port = FreePorts.next();
        try (SimulatorServer sim = SimulatorServer.start(scenario("stream-no-done", null));
                RotorHarness rotor = gateway(sim, port).start()) {
            HttpResponse<String> noDone = post(port);
            assertThat(noDone.body()).endsWith("data: [DONE]\n\n");
            assertThat(text(events(noDone.body()))).isEqualTo(ANSWER.replace(SECONDARY, PRIMARY));
            // the usage of the last chunk is counted as a completion's would be
            String metrics = rotor.context()
                    .getRegistry()
                    .lookupByNameAndType("metricsRegistry", PrometheusMeterRegistry.class)
                    .scrape();
            assertThat(metrics)
                    .containsPattern(
                            "rotor_model_tokens_total\\{model=\"vendor/primary\",type=\"completion\"\\} [1-9]");
        }
    }

    @Test
    void shouldRelayEachChunkAsItComesNotTheWholeAnswerAtItsEnd() throws Exception {
        // the provider sends its first words, then nothing for 30 s: the caller has them long before
        Scenario stalling = Scenario.builder()
                .slowMs(30_000)
                .model(PRIMARY, ModelBehaviour.unlimited().withScript("stream-stall"))
                .build();
        int port = FreePorts.next();
        try (SimulatorServer sim = SimulatorServer.start(stalling);
                RotorHarness rotor = gateway(sim, port)
                        .set("rotor.gateway.stall-timeout", "60s")
                        .start()) {
            HttpRequest request = HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(
                            "{\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Say hi\"}]}"))
                    .build();
            CompletableFuture<String> firstWords = CompletableFuture.supplyAsync(() -> {
                try {
                    return HttpClient.newHttpClient()
                            .send(request, HttpResponse.BodyHandlers.ofLines())
                            .body()
                            .filter(line -> line.contains("\"content\":\"Simulated \""))
                            .findFirst()
                            .orElse(null);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            assertThat(firstWords.get(10, TimeUnit.SECONDS)).contains(PRIMARY);
        }
    }

    @Test
    void shouldThrowInTheOpenAiClientRatherThanEndQuietlyWhenTheStreamBreaks() throws Exception {
        int port = FreePorts.next();
        try (SimulatorServer sim = SimulatorServer.start(scenario("stream-error", null));
                RotorHarness rotor =
                        gateway(sim, port).set("rotor.gateway.resume", "never").start();
                StreamResponse<ChatCompletionChunk> stream = client(port)
                        .chat()
                        .completions()
                        .createStreaming(ChatCompletionCreateParams.builder()
                                .model("rotor")
                                .addUserMessage("Say hi")
                                .build())) {
            assertThatThrownBy(() -> stream.stream().toList())
                    .hasMessageContaining("Provider disconnected unexpectedly");
        }
    }

    private static HttpResponse<String> post(int port) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(20))
                .POST(
                        HttpRequest.BodyPublishers.ofString(
                                "{\"model\":\"rotor\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"Say hi\"}]}"))
                .build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    }

    /** The data events of a stream, [DONE] left out. */
    private static List<JsonNode> events(String body) throws Exception {
        List<JsonNode> events = new ArrayList<>();
        for (String block : body.split("\n\n")) {
            if (block.startsWith("data: ") && !block.equals("data: [DONE]")) {
                events.add(JSON.readTree(block.substring(6)));
            }
        }
        return events;
    }

    private static String text(List<JsonNode> events) {
        return events.stream()
                .map(e ->
                        e.path("choices").path(0).path("delta").path("content").asText(""))
                .collect(Collectors.joining());
    }
}
