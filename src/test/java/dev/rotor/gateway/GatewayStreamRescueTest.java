package dev.rotor.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import dev.rotor.limits.InputEstimates;
import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.Scenario.ModelBehaviour;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.FreePorts;
import dev.rotor.support.RotorHarness;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stream that breaks after its first content is finished by another model from the text the caller has, driven by the
 * OpenAI Java SDK: one answer, joined without a gap or a repeat, with its real finish reason.
 */
class GatewayStreamRescueTest {

    private static final String PRIMARY = "vendor/primary";
    private static final String SECONDARY = "vendor/secondary";
    private static final String TERTIARY = "vendor/tertiary";
    private static final String PROMPT = "Say hi to everyone in the room";
    private static final String WHOLE = "Simulated answer from " + PRIMARY + " to: " + PROMPT;

    @TempDir
    Path dir;

    private RotorHarness gateway(SimulatorServer sim, int port, Map<String, String> extras, String... models) {
        return RotorHarness.on(dir, sim, extras, models)
                .set("rotor.intake", "http")
                .set("rotor.gateway.port", Integer.toString(port))
                .set("rotor.gateway.first-token-timeout", "2s")
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

    private static List<ChatCompletionChunk> ask(int port) {
        try (StreamResponse<ChatCompletionChunk> stream = client(port)
                .chat()
                .completions()
                .createStreaming(ChatCompletionCreateParams.builder()
                        .model("rotor")
                        .addUserMessage(PROMPT)
                        .streamOptions(ChatCompletionStreamOptions.builder()
                                .includeUsage(true)
                                .build())
                        .build())) {
            return stream.stream().toList();
        }
    }

    private static String text(List<ChatCompletionChunk> chunks) {
        return chunks.stream()
                .flatMap(c -> c.choices().stream())
                .map(c -> c.delta().content().orElse(""))
                .collect(Collectors.joining());
    }

    private static String finishReason(List<ChatCompletionChunk> chunks) {
        return chunks.stream()
                .flatMap(c -> c.choices().stream())
                .filter(c -> c.finishReason().isPresent())
                .map(c -> c.finishReason().get().asString())
                .reduce((a, b) -> b)
                .orElse(null);
    }

    private static List<JsonNode> continuations(SimulatorServer sim, String model) {
        return sim.calls().stream()
                .filter(c -> c.model().equals(model) && c.request() != null)
                .map(c -> c.request().path("messages"))
                .filter(m -> m.path(m.size() - 1).path("role").asText().equals("assistant"))
                .toList();
    }

    private static String metrics(RotorHarness rotor) {
        return rotor.context()
                .getRegistry()
                .lookupByNameAndType("metricsRegistry", PrometheusMeterRegistry.class)
                .scrape();
    }

    @Test
    void shouldFinishAStreamCutAfterSomeChunksOnTheNextModelAsOneAnswerWithItsRealFinishReasonAndUsage()
            throws Exception {
        Scenario scenario = Scenario.builder()
                .model(PRIMARY, ModelBehaviour.unlimited().withScript("stream-cut:4"))
                .model(SECONDARY, ModelBehaviour.unlimited())
                .build();
        int port = FreePorts.next();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor =
                        gateway(sim, port, Map.of(), PRIMARY, SECONDARY).start()) {
            List<ChatCompletionChunk> chunks = ask(port);

            assertThat(text(chunks)).isEqualTo(WHOLE);
            assertThat(finishReason(chunks)).isEqualTo("stop");
            assertThat(chunks.get(0).model()).isEqualTo(PRIMARY);
            assertThat(chunks.get(chunks.size() - 1).model()).isEqualTo(SECONDARY);
            // the continuation was sent the text so far, less its trailing space (Anthropic refuses that)
            List<JsonNode> sent = continuations(sim, SECONDARY);
            assertThat(sent).hasSize(1);
            assertThat(sent.get(0).path(sent.get(0).size() - 1).path("content").asText())
                    .isEqualTo("Simulated answer from " + PRIMARY);
            // usage: the continuation's, plus the broken call's text as Rotor counts it
            var usage = chunks.stream()
                    .flatMap(c -> c.usage().stream())
                    .reduce((a, b) -> b)
                    .orElseThrow();
            String given = "Simulated answer from " + PRIMARY + " ";
            String rest = WHOLE.substring(given.length() - 1);
            assertThat(usage.completionTokens()).isEqualTo(rest.length() / 4 + InputEstimates.tokens(given));
            assertThat(usage.totalTokens()).isEqualTo(usage.promptTokens() + usage.completionTokens());
            // counted as a rotation, and in the ledger as the answer of the model that finished it
            assertThat(metrics(rotor))
                    .contains("rotor_gateway_streams_resumed_total{model=\"" + SECONDARY + "\"} 1.0")
                    .contains("rotor_gateway_streams_broken_total{model=\"" + PRIMARY + "\"} 1.0");
            await().atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(rotor.ledger().entries())
                            .singleElement()
                            .satisfies(e -> {
                                assertThat(e.model()).isEqualTo(SECONDARY);
                                assertThat(e.rotations()).isEqualTo(1);
                            }));
        }
    }

    @Test
    void shouldFinishAStreamThatStallsWithinTheStallTimeoutAndDropTheWordsTheContinuationRepeats() throws Exception {
        Scenario scenario = Scenario.builder()
                .slowMs(30_000)
                .model(PRIMARY, ModelBehaviour.unlimited().withScript("stream-stall:4"))
                .model(SECONDARY, ModelBehaviour.unlimited().withContinuation("prefill-repeats"))
                .build();
        int port = FreePorts.next();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor =
                        gateway(sim, port, Map.of(), PRIMARY, SECONDARY).start()) {
            List<ChatCompletionChunk> chunks = ask(port);

            // the stall lasts 30 s; the client had the whole answer long before (its own timeout is 20 s)
            assertThat(text(chunks)).isEqualTo(WHOLE);
            assertThat(finishReason(chunks)).isEqualTo("stop");
            assertThat(continuations(sim, SECONDARY)).hasSize(1);
        }
    }

    @Test
    void shouldLearnThatAModelRefusesAPrefillAndNeverGiveTheCallerIts400() throws Exception {
        Scenario scenario = Scenario.builder()
                .model(PRIMARY, ModelBehaviour.unlimited().withScript("stream-cut:4", "stream-cut:4"))
                .model(SECONDARY, ModelBehaviour.unlimited().withContinuation("reject"))
                .model(TERTIARY, ModelBehaviour.unlimited())
                .build();
        int port = FreePorts.next();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor = gateway(sim, port, Map.of(), PRIMARY, SECONDARY, TERTIARY)
                        .start()) {
            assertThat(text(ask(port))).isEqualTo(WHOLE);
            assertThat(text(ask(port))).isEqualTo(WHOLE);
            // the refusal was learned: the second broken stream went to the third model at once
            assertThat(continuations(sim, SECONDARY)).hasSize(1);
            assertThat(continuations(sim, TERTIARY)).hasSize(2);
        }
    }

    @Test
    void shouldEndWithTheErrorEventWhenNoModelCanContinue() throws Exception {
        Scenario scenario = Scenario.builder()
                .model(PRIMARY, ModelBehaviour.unlimited().withScript("stream-cut:4"))
                .model(SECONDARY, ModelBehaviour.unlimited().withContinuation("reject"))
                .build();
        int port = FreePorts.next();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor =
                        gateway(sim, port, Map.of(), PRIMARY, SECONDARY).start();
                StreamResponse<ChatCompletionChunk> stream = client(port)
                        .chat()
                        .completions()
                        .createStreaming(ChatCompletionCreateParams.builder()
                                .model("rotor")
                                .addUserMessage(PROMPT)
                                .build())) {
            assertThatThrownBy(() -> stream.stream().toList())
                    .hasMessageContaining("the provider's stream broke")
                    .hasMessageNotContaining("prefill");
        }
    }

    @Test
    void shouldSendThePrefixFlagToAModelDeclaredSoAndNeverAskAModelDeclaredNone() throws Exception {
        Scenario scenario = Scenario.builder()
                .model(PRIMARY, ModelBehaviour.unlimited().withScript("stream-cut:4"))
                .model(SECONDARY, ModelBehaviour.unlimited())
                .model(TERTIARY, ModelBehaviour.unlimited().withContinuation("prefix-flag"))
                .build();
        int port = FreePorts.next();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor = gateway(
                                sim,
                                port,
                                Map.of(SECONDARY, ", continuation: none", TERTIARY, ", continuation: prefix-flag"),
                                PRIMARY,
                                SECONDARY,
                                TERTIARY)
                        .start()) {
            assertThat(text(ask(port))).isEqualTo(WHOLE);
            assertThat(sim.callsTo(SECONDARY)).isZero();
            List<JsonNode> sent = continuations(sim, TERTIARY);
            assertThat(sent)
                    .singleElement()
                    .satisfies(
                            m -> assertThat(m.path(m.size() - 1).path("prefix").asBoolean())
                                    .isTrue());
        }
    }

    @Test
    void shouldNotContinueAStreamThatHasSentAToolCall() throws Exception {
        Scenario scenario = Scenario.builder()
                .model(PRIMARY, ModelBehaviour.unlimited().withScript("stream-cut:1"))
                .model(SECONDARY, ModelBehaviour.unlimited())
                .build();
        int port = FreePorts.next();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor =
                        gateway(sim, port, Map.of(), PRIMARY, SECONDARY).start()) {
            HttpResponse<String> answer = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                                    .header("Content-Type", "application/json")
                                    .POST(HttpRequest.BodyPublishers.ofString("""
                    {"stream": true, "messages": [{"role": "user", "content": "Weather in Oslo?"}],
                     "tools": [{"type": "function", "function": {"name": "weather", "parameters":
                       {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]}
                    """))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            // the tool call went out whole, then the stream broke: a text prefill cannot finish it
            assertThat(answer.body())
                    .contains("\"tool_calls\"")
                    .contains("stream_broken")
                    .doesNotContain("[DONE]");
            assertThat(sim.callsTo(SECONDARY)).isZero();
        }
    }

    @Test
    void shouldStopAtStartWithOneLineWhenTheGatewaysPortIsTaken() throws Exception {
        int port = FreePorts.next();
        try (ServerSocket taken = new ServerSocket(port, 1, InetAddress.getLoopbackAddress());
                SimulatorServer sim = SimulatorServer.start(Scenario.builder().build())) {
            RotorHarness rotor = gateway(sim, port, Map.of(), PRIMARY);
            assertThatThrownBy(rotor::start)
                    .hasStackTraceContaining("the gateway cannot listen on 127.0.0.1:" + port
                            + " (rotor.gateway.host, rotor.gateway.port)");
            rotor.close();
        }
    }
}
