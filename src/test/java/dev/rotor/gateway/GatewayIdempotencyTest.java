package dev.rotor.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.HttpResponseFor;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.rotor.simulator.Scenario;
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
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A request repeated with its Idempotency-Key is answered once: one provider call, the same answer to every try. */
class GatewayIdempotencyTest {

    private static final String MODEL = "vendor/model";
    private static final String BODY = "{\"messages\":[{\"role\":\"user\",\"content\":\"Say hi once\"}]}";

    @TempDir
    Path dir;

    private RotorHarness gateway(SimulatorServer sim, int port) {
        return RotorHarness.on(dir, sim, MODEL)
                .set("rotor.intake", "http")
                .set("rotor.gateway.port", Integer.toString(port));
    }

    @Test
    void shouldMakeOneProviderCallWhenTheOpenAiSdkRetriesAfterItsOwnTimeout() throws Exception {
        // the provider takes 1.5 s; the client gives each try 0.5 s, and retries (a 409 while the first is answered)
        Scenario slow =
                Scenario.builder().latencyMs(1500).serveUnknownModels(true).build();
        int port = FreePorts.next();
        try (SimulatorServer sim = SimulatorServer.start(slow);
                RotorHarness rotor = gateway(sim, port).start()) {
            OpenAIClient impatient = OpenAIOkHttpClient.builder()
                    .baseUrl("http://127.0.0.1:" + port + "/v1")
                    .apiKey("any")
                    .maxRetries(6)
                    .timeout(Duration.ofMillis(500))
                    .build();
            ChatCompletionCreateParams params = ChatCompletionCreateParams.builder()
                    .model(MODEL)
                    .addUserMessage("Say hi once")
                    .putAdditionalHeader("Idempotency-Key", "order-17")
                    .build();
            ChatCompletion answer = impatient.chat().completions().create(params);

            assertThat(sim.calls()).hasSize(1);
            String content = answer.choices().get(0).message().content().orElseThrow();
            assertThat(content).contains("Say hi once");
            // and any later try with the key gets that answer again, saying so
            HttpResponseFor<ChatCompletion> again =
                    impatient.chat().completions().withRawResponse().create(params);
            assertThat(again.headers().values(IdempotentRequests.REPLAYED_HEADER))
                    .containsExactly("true");
            assertThat(again.parse().id()).isEqualTo(answer.id());
            assertThat(sim.calls()).hasSize(1);
            assertThat(scrape(rotor))
                    .contains("rotor_tasks_deduplicated_total{reason=\"idempotency_key\",transport=\"http\"}");
        }
    }

    @Test
    void shouldAnswer409WhileTheFirstIsInFlightAnd422ForTheKeyWithAnotherBody() throws Exception {
        Scenario slow =
                Scenario.builder().latencyMs(1000).serveUnknownModels(true).build();
        int port = FreePorts.next();
        try (SimulatorServer sim = SimulatorServer.start(slow);
                RotorHarness rotor = gateway(sim, port).start()) {
            CompletableFuture<HttpResponse<String>> first = CompletableFuture.supplyAsync(() -> post(port, "k", BODY));
            await().atMost(Duration.ofSeconds(5)).until(() -> !sim.calls().isEmpty() || first.isDone());

            HttpResponse<String> whileAnswered = post(port, "k", BODY);
            assertThat(whileAnswered.statusCode()).isEqualTo(409);
            assertThat(whileAnswered.body()).contains("idempotency_key_in_use");
            HttpResponse<String> otherBody = post(port, "k", BODY.replace("once", "twice"));
            assertThat(otherBody.statusCode()).isEqualTo(422);
            assertThat(otherBody.body()).contains("idempotency_key_reused");

            assertThat(first.get().statusCode()).isEqualTo(200);
            HttpResponse<String> repeat = post(port, "k", BODY);
            assertThat(repeat.body()).isEqualTo(first.get().body());
            assertThat(repeat.headers().firstValue("X-Rotor-Model")).hasValue(MODEL);
            HttpResponse<String> otherCaller = post(port, "k", BODY, "Bearer someone-else");
            assertThat(otherCaller.statusCode()).isEqualTo(200);
            assertThat(otherCaller.headers().firstValue(IdempotentRequests.REPLAYED_HEADER))
                    .as("keys are per caller")
                    .isEmpty();
            assertThat(otherCaller.body()).isNotEqualTo(first.get().body());
            assertThat(sim.calls()).hasSize(2);
        }
    }

    @Test
    void shouldReplayAStreamAsTheSameStream() throws Exception {
        int port = FreePorts.next();
        try (SimulatorServer sim = SimulatorServer.start(
                        Scenario.builder().serveUnknownModels(true).build());
                RotorHarness rotor = gateway(sim, port).start()) {
            String streamed = BODY.replace("{", "{\"stream\":true,");
            HttpResponse<String> first = post(port, "s", streamed);
            assertThat(first.headers().firstValue("Content-Type"))
                    .hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
            assertThat(first.body()).contains("data: [DONE]");

            HttpResponse<String> again = post(port, "s", streamed);
            assertThat(again.headers().firstValue("Content-Type"))
                    .hasValueSatisfying(t -> assertThat(t).startsWith("text/event-stream"));
            assertThat(again.headers().firstValue(IdempotentRequests.REPLAYED_HEADER))
                    .hasValue("true");
            assertThat(again.body()).isEqualTo(first.body());
            assertThat(sim.calls()).hasSize(1);
        }
    }

    @Test
    void shouldNotReplayToACallerWhoseGatewayKeyWasWithdrawn() throws Exception {
        int port = FreePorts.next();
        try (SimulatorServer sim = SimulatorServer.start(
                Scenario.builder().serveUnknownModels(true).build())) {
            try (RotorHarness rotor =
                    gateway(sim, port).set("ROTOR_GATEWAY_KEYS", "old-key").start()) {
                assertThat(post(port, "k", BODY, "Bearer old-key").statusCode()).isEqualTo(200);
            }
            // the key is taken out of ROTOR_GATEWAY_KEYS; its answer is still kept under the Idempotency-Key
            try (RotorHarness rotor =
                    gateway(sim, port).set("ROTOR_GATEWAY_KEYS", "new-key").start()) {
                HttpResponse<String> again = post(port, "k", BODY, "Bearer old-key");
                assertThat(again.statusCode()).isEqualTo(401);
                assertThat(again.headers().firstValue(IdempotentRequests.REPLAYED_HEADER))
                        .isEmpty();
            }
            assertThat(sim.calls()).hasSize(1);
        }
    }

    @Test
    void shouldNotKeepATruncatedAnswer() throws Exception {
        int port = FreePorts.next();
        try (SimulatorServer sim = SimulatorServer.start(
                        Scenario.builder().serveUnknownModels(true).build());
                RotorHarness rotor = gateway(sim, port).start()) {
            String cut = BODY.replace("{", "{\"max_tokens\":3,");
            assertThat(post(port, "t", cut).body()).contains("\"finish_reason\":\"length\"");
            HttpResponse<String> again = post(port, "t", cut);
            assertThat(again.headers().firstValue(IdempotentRequests.REPLAYED_HEADER))
                    .isEmpty();
            assertThat(sim.calls()).hasSize(2);
        }
    }

    private static HttpResponse<String> post(int port, String key, String body) {
        return post(port, key, body, "Bearer any");
    }

    private static HttpResponse<String> post(int port, String key, String body, String authorization) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .header("Authorization", authorization)
                .header("Idempotency-Key", key)
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        try {
            return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String scrape(RotorHarness rotor) {
        return rotor.context()
                .getRegistry()
                .lookupByNameAndType("metricsRegistry", PrometheusMeterRegistry.class)
                .scrape();
    }
}
