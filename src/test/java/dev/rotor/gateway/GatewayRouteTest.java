package dev.rotor.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.HttpResponseFor;
import com.openai.errors.BadRequestException;
import com.openai.errors.InternalServerException;
import com.openai.errors.NotFoundException;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.RateLimitException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.FunctionDefinition;
import com.openai.models.ResponseFormatJsonObject;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionFunctionTool;
import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.Scenario.ModelBehaviour;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.FreePorts;
import dev.rotor.support.RotorHarness;
import dev.rotor.transport.TransportMetrics;
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
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The gateway as an OpenAI client sees it: the official Java SDK against Rotor on loopback, Rotor on the simulator. */
class GatewayRouteTest {

    private static final String PRIMARY = "vendor/primary";
    private static final String SECONDARY = "vendor/secondary";
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path dir;

    private static RotorHarness gateway(Path dir, SimulatorServer sim, int port) {
        return RotorHarness.on(dir, sim, PRIMARY, SECONDARY)
                .set("rotor.intake", "http")
                .set("rotor.gateway.port", Integer.toString(port));
    }

    private static OpenAIClient client(int port, String key) {
        return OpenAIOkHttpClient.builder()
                .baseUrl("http://127.0.0.1:" + port + "/v1")
                .apiKey(key)
                .maxRetries(0)
                .timeout(Duration.ofSeconds(20))
                .build();
    }

    private static ChatCompletionCreateParams.Builder ask(String model) {
        return ChatCompletionCreateParams.builder().model(model).addUserMessage("Say hi");
    }

    @Test
    void shouldServeAPlainCallPassingEveryFieldButTheModelAndNamingTheModelThatServed() throws Exception {
        Scenario scenario = Scenario.builder()
                .model(PRIMARY, ModelBehaviour.unlimited().withScript("429"))
                .model(SECONDARY, ModelBehaviour.unlimited())
                .build();
        int port = FreePorts.next();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor = gateway(dir, sim, port).start()) {
            HttpResponseFor<ChatCompletion> raw = client(port, "any")
                    .chat()
                    .completions()
                    .withRawResponse()
                    .create(ask("rotor")
                            .seed(7)
                            .user("user-42")
                            .putAdditionalBodyProperty("provider", JsonValue.from(Map.of("sort", "price")))
                            .putAdditionalHeader("X-Request-Id", "my-request-1")
                            .build());
            ChatCompletion answer = raw.parse();
            assertThat(answer.model()).isEqualTo(SECONDARY);
            assertThat(answer.choices().get(0).message().content())
                    .hasValueSatisfying(c -> assertThat(c).contains("Say hi"));
            assertThat(answer.usage())
                    .hasValueSatisfying(u -> assertThat(u.totalTokens()).isPositive());
            assertThat(raw.headers().values("X-Rotor-Model")).containsExactly(SECONDARY);
            assertThat(raw.headers().values("X-Rotor-Attempts")).containsExactly("2");
            assertThat(raw.headers().values("X-Rotor-Rotations")).containsExactly("1");
            assertThat(raw.headers().values("X-Request-Id")).containsExactly("my-request-1");

            List<SimulatorServer.Call> calls = sim.calls();
            assertThat(calls).extracting(SimulatorServer.Call::model).containsExactly(PRIMARY, SECONDARY);
            JsonNode sent = calls.get(1).request();
            assertThat(sent.path("model").asText()).isEqualTo(SECONDARY);
            assertThat(sent.path("seed").asInt()).isEqualTo(7);
            assertThat(sent.path("user").asText()).isEqualTo("user-42");
            assertThat(sent.path("provider").path("sort").asText()).isEqualTo("price");
            assertThat(sent.path("messages").path(0).path("content").asText()).isEqualTo("Say hi");
            // counted as any task is, on its own transport
            assertThat(rotor.ledger().completedCount()).isEqualTo(1);
        }
    }

    @Test
    void shouldPassToolsThroughAndReturnTheToolCallAsTheProviderMadeIt() throws Exception {
        Scenario scenario =
                Scenario.builder().model(PRIMARY, ModelBehaviour.unlimited()).build();
        int port = FreePorts.next();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor = gateway(dir, sim, port).start()) {
            ChatCompletion answer = client(port, "any")
                    .chat()
                    .completions()
                    .create(ask(PRIMARY)
                            .addTool(ChatCompletionFunctionTool.builder()
                                    .function(FunctionDefinition.builder()
                                            .name("get_weather")
                                            .description("The weather in a city")
                                            .build())
                                    .build())
                            .build());
            assertThat(answer.model()).isEqualTo(PRIMARY);
            assertThat(answer.choices().get(0).message().toolCalls())
                    .hasValueSatisfying(calls -> assertThat(
                                    calls.get(0).asFunction().function().name())
                            .isEqualTo("get_weather"));
            assertThat(answer.choices().get(0).finishReason().asString()).isEqualTo("tool_calls");
            assertThat(sim.calls()
                            .get(0)
                            .request()
                            .path("tools")
                            .path(0)
                            .path("function")
                            .path("name")
                            .asText())
                    .isEqualTo("get_weather");
        }
    }

    @Test
    void shouldListEveryModelAndChainAndTakeAChainOrAModelByName() throws Exception {
        Scenario scenario = Scenario.builder()
                .model(PRIMARY, ModelBehaviour.unlimited())
                .model(SECONDARY, ModelBehaviour.unlimited())
                .build();
        int port = FreePorts.next();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor = gateway(dir, sim, port).start()) {
            OpenAIClient client = client(port, "any");
            assertThat(client.models().list().data())
                    .extracting(m -> m.id())
                    .contains("rotor", "second-only", PRIMARY, SECONDARY);
            assertThat(client.chat()
                            .completions()
                            .create(ask("second-only").build())
                            .model())
                    .isEqualTo(SECONDARY);
            assertThat(client.chat()
                            .completions()
                            .create(ask(SECONDARY).build())
                            .model())
                    .isEqualTo(SECONDARY);
            assertThatThrownBy(() -> client.chat()
                            .completions()
                            .create(ask("no/such-model").build()))
                    .isInstanceOfSatisfying(NotFoundException.class, e -> {
                        assertThat(e.code()).contains("model_not_found");
                        assertThat(e.param()).contains("model");
                    });
        }
    }

    @Test
    void shouldAnswerInOpenAisErrorFormatForBadInputAProviderRefusalAndARefusedKey() throws Exception {
        String key = "sk-or-v1-gateway-canary-91c";
        Scenario scenario = Scenario.builder()
                .requiredKey(key)
                .model(PRIMARY, ModelBehaviour.unlimited().withScript("400-context", "400-context"))
                .model(SECONDARY, ModelBehaviour.unlimited().withScript("400-context", "400-context"))
                .build();
        int port = FreePorts.next();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor = gateway(dir, sim, port)
                        .set(RotorHarness.KEY_VARIABLE, key)
                        .start()) {
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> notJson = post(http, port, "{not json", Map.of());
            assertThat(notJson.statusCode()).isEqualTo(400);
            assertThat(JSON.readTree(notJson.body()).path("error").path("param").asText())
                    .isEqualTo("body");
            HttpResponse<String> noMessages = post(http, port, "{\"model\":\"rotor\"}", Map.of());
            assertThat(noMessages.statusCode()).isEqualTo(400);
            JsonNode error = JSON.readTree(noMessages.body()).path("error");
            assertThat(error.path("param").asText()).isEqualTo("messages");
            assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
            HttpResponse<String> tooLarge = post(
                    http,
                    port,
                    "{\"messages\":[{\"role\":\"user\",\"content\":\"" + "x".repeat(5 * 1024 * 1024) + "\"}]}",
                    Map.of());
            assertThat(tooLarge.statusCode()).isEqualTo(413);

            assertThatThrownBy(() -> client(port, "any")
                            .chat()
                            .completions()
                            .create(ask("rotor").build()))
                    .isInstanceOfSatisfying(
                            BadRequestException.class,
                            e -> assertThat(e.getMessage()).contains("maximum context length"));
        }
        Scenario refusing = Scenario.builder().requiredKey("another-key").build();
        try (SimulatorServer sim = SimulatorServer.start(refusing);
                RotorHarness rotor = gateway(dir.resolve("refused"), sim, port)
                        .set(RotorHarness.KEY_VARIABLE, key)
                        .start()) {
            assertThatThrownBy(() -> client(port, "any")
                            .chat()
                            .completions()
                            .create(ask("rotor").build()))
                    .isInstanceOfSatisfying(OpenAIServiceException.class, e -> {
                        assertThat(e.statusCode()).isEqualTo(502);
                        assertThat(e.getMessage())
                                .contains("refused Rotor's key")
                                .doesNotContain(key);
                    });
        }
    }

    @Test
    void shouldAnswer429WithRetryAfterWhenNoModelIsFreeBeforeTheDeadlineAnd502WhenEveryModelFailed() throws Exception {
        Scenario scenario = Scenario.builder()
                .model(PRIMARY, ModelBehaviour.unlimited().withScript("429"))
                .model(
                        SECONDARY,
                        ModelBehaviour.unlimited().withScript("429", "500", "500", "500", "500", "500", "500", "500"))
                .build();
        int port = FreePorts.next();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor = gateway(dir, sim, port)
                        .set("rotor.gateway.deadline", "5s")
                        .start()) {
            // both answer 429 asking for 30 s: none is free before the 5 s deadline
            assertThatThrownBy(() -> client(port, "any")
                            .chat()
                            .completions()
                            .create(ask("rotor").build()))
                    .isInstanceOfSatisfying(RateLimitException.class, e -> {
                        long retryAfter =
                                Long.parseLong(e.headers().values("Retry-After").get(0));
                        assertThat(retryAfter).isBetween(20L, 31L);
                        assertThat(e.code()).contains("rate_limit_exceeded");
                    });
            await().atMost(Duration.ofSeconds(5)).until(() -> rotor.ledger().count() == 1);
        }
        Scenario failing = Scenario.builder()
                .model(PRIMARY, ModelBehaviour.unlimited().withFaults(1.0, "500"))
                .model(SECONDARY, ModelBehaviour.unlimited().withFaults(1.0, "500"))
                .build();
        try (SimulatorServer sim = SimulatorServer.start(failing);
                RotorHarness rotor = gateway(dir.resolve("failing"), sim, port)
                        .set("rotor.retry.max-attempts", "4")
                        .start()) {
            assertThatThrownBy(() -> client(port, "any")
                            .chat()
                            .completions()
                            .create(ask("rotor").build()))
                    .isInstanceOfSatisfying(InternalServerException.class, e -> {
                        assertThat(e.statusCode()).isEqualTo(502);
                        assertThat(e.getMessage())
                                .contains("Every model failed")
                                .contains("4 attempts");
                    });
        }
    }

    @Test
    void shouldServeEveryPlainCallWhenTheFirstModelDropsConnectionsAndSendsBrokenAnswers() throws Exception {
        // the primary's answers fail every way a provider's can, each once first (a connection cut mid-answer, an HTML
        // error page, an error in a 200, an empty completion, a 500; never five in a row, which would open its
        // breaker), then a third of them at random
        Scenario scenario = Scenario.builder()
                .model(
                        PRIMARY,
                        ModelBehaviour.unlimited()
                                .withFaults(0.35, "close", "not-json", "error-200", "empty", "500")
                                .withScript("close", "not-json", "ok", "error-200", "empty", "ok", "500"))
                .model(SECONDARY, ModelBehaviour.unlimited())
                .build();
        int port = FreePorts.next();
        HttpClient http = HttpClient.newHttpClient();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor = gateway(dir, sim, port).start()) {
            List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < 60; i++) {
                HttpRequest request = HttpRequest.newBuilder(
                                URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(
                                "{\"model\":\"rotor\",\"messages\":[{\"role\":\"user\",\"content\":\"n " + i + "\"}]}"))
                        .build();
                answers.add(http.sendAsync(request, HttpResponse.BodyHandlers.ofString()));
            }
            int retried = 0;
            for (CompletableFuture<HttpResponse<String>> answer : answers) {
                HttpResponse<String> r = answer.get(30, TimeUnit.SECONDS);
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                assertThat(JSON.readTree(r.body())
                                .path("choices")
                                .path(0)
                                .path("message")
                                .path("content")
                                .asText())
                        .isNotBlank();
                retried += r.headers()
                                        .firstValue(GatewayAnswers.ATTEMPTS_HEADER)
                                        .map(Integer::parseInt)
                                        .orElse(1)
                                > 1
                        ? 1
                        : 0;
            }
            assertThat(retried).as("requests served after a failed call").isPositive();
            assertThat(sim.callsTo(PRIMARY)).as("the primary took calls").isGreaterThanOrEqualTo(2);
        }
    }

    @Test
    void shouldRotateAfterTheFirstSilentCallAndAbandonACallInFlightWhenTheDeadlinePasses() throws Exception {
        Scenario scenario = Scenario.builder()
                .slowMs(10_000)
                .model(PRIMARY, ModelBehaviour.unlimited().withScript("slow", "slow"))
                .model(SECONDARY, ModelBehaviour.unlimited())
                .build();
        int port = FreePorts.next();
        HttpClient http = HttpClient.newHttpClient();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor = gateway(dir, sim, port)
                        .set("rotor.http.read-timeout", "1000")
                        .start()) {
            // the first model stays silent past the read timeout: the request moves on at once, not after 3 tries
            ChatCompletion served =
                    client(port, "any").chat().completions().create(ask("rotor").build());
            assertThat(served.model()).isEqualTo(SECONDARY);
            assertThat(sim.callsTo(PRIMARY)).isEqualTo(1);
        }
        Scenario silent = Scenario.builder()
                .slowMs(10_000)
                .model(PRIMARY, ModelBehaviour.unlimited().withScript("slow"))
                .model(SECONDARY, ModelBehaviour.unlimited().withScript("slow"))
                .build();
        try (SimulatorServer sim = SimulatorServer.start(silent);
                RotorHarness rotor = gateway(dir.resolve("deadline"), sim, port)
                        .set("rotor.http.read-timeout", "5000")
                        .start()) {
            // a 700 ms deadline, both models silent for 10 s, a read timeout of 5 s: the client has its error when
            // the deadline passes, not when the read timeout would
            long started = System.nanoTime();
            HttpResponse<String> cut = post(
                    http,
                    port,
                    "{\"model\": \"" + SECONDARY + "\", \"messages\": "
                            + "[{\"role\": \"user\", \"content\": \"hi\"}]}",
                    Map.of(GatewayIntake.TIMEOUT_HEADER, "700"));
            long tookMs = (System.nanoTime() - started) / 1_000_000;
            assertThat(cut.statusCode()).as(cut.body()).isEqualTo(504);
            assertThat(JSON.readTree(cut.body()).path("error").path("code").asText())
                    .isEqualTo("deadline_exceeded");
            assertThat(tookMs).isBetween(650L, 3_000L);
        }
    }

    @Test
    void shouldHoldNoThreadForARequestThatWaitsForAModel() throws Exception {
        Scenario scenario = Scenario.builder()
                .model(PRIMARY, ModelBehaviour.unlimited())
                .model(SECONDARY, ModelBehaviour.unlimited())
                .build();
        int port = FreePorts.next();
        // 5 calls per 2 s on each model: of 40 requests at once, 30 wait for a window
        Map<String, String> paced = Map.of(PRIMARY, ", requests: 5, per: 2s", SECONDARY, ", requests: 5, per: 2s");
        // the client's own threads are named, to be told from Rotor's
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .executor(Executors.newCachedThreadPool(r -> {
                    Thread t = new Thread(r, "test-client");
                    t.setDaemon(true);
                    return t;
                }))
                .build();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor = RotorHarness.on(dir, sim, paced, PRIMARY, SECONDARY)
                        .set("rotor.intake", "http")
                        .set("rotor.gateway.port", Integer.toString(port))
                        .start()) {
            client(port, "any").chat().completions().create(ask("rotor").build());
            await().atMost(Duration.ofSeconds(5)).until(() -> sim.calls().size() == 1);
            Set<String> before = threadNames();
            List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
            for (int i = 0; i < 40; i++) {
                answers.add(http.sendAsync(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(
                                        "{\"messages\": [{\"role\": \"user\", \"content\": \"hi " + i + "\"}]}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString()));
            }
            TransportMetrics transports =
                    rotor.context().getRegistry().lookupByNameAndType("transports", TransportMetrics.class);
            await().atMost(Duration.ofSeconds(10)).until(() -> transports.waiting("http") >= 25);
            // a waiting request is a scheduled redelivery, not a thread: the JVM did not grow a thread per request
            Set<String> added = threadNames();
            added.removeAll(before);
            added.removeIf(name -> name.startsWith("test-client"));
            // Camel's redelivery scheduler (a pool of 10) and a thread or two that carry answers on; not one per
            // waiting request (platform-http's own consumer held a worker thread for each)
            assertThat(added)
                    .as("threads added while %d requests wait", transports.waiting("http"))
                    .hasSizeLessThan(15);
            for (CompletableFuture<HttpResponse<String>> answer : answers) {
                assertThat(answer.get(60, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
            }
        }
    }

    @Test
    void shouldAskForAGatewayKeyWhenKeysAreSetAndRefuseRequestsBeyondTheInFlightLimit() throws Exception {
        Scenario scenario = Scenario.builder()
                .slowMs(3_000)
                .model(PRIMARY, ModelBehaviour.unlimited().withScript("slow"))
                .model(SECONDARY, ModelBehaviour.unlimited())
                .build();
        int port = FreePorts.next();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor = gateway(dir, sim, port)
                        .set("ROTOR_GATEWAY_KEYS", "gw-key-1, gw-key-2")
                        .set("rotor.gateway.max-in-flight", "1")
                        .start()) {
            assertThatThrownBy(() -> client(port, "wrong")
                            .chat()
                            .completions()
                            .create(ask("rotor").build()))
                    .isInstanceOfSatisfying(
                            UnauthorizedException.class,
                            e -> assertThat(e.code()).contains("invalid_api_key"));
            CompletableFuture<ChatCompletion> held = client(port, "gw-key-2")
                    .async()
                    .chat()
                    .completions()
                    .create(ask(PRIMARY).build());
            GatewayIntake intake =
                    rotor.context().getRegistry().lookupByNameAndType("gatewayIntake", GatewayIntake.class);
            await().atMost(Duration.ofSeconds(10)).until(() -> intake.inFlight() == 1 && sim.callsTo(PRIMARY) == 1);
            assertThatThrownBy(() -> client(port, "gw-key-1")
                            .chat()
                            .completions()
                            .create(ask(SECONDARY).build()))
                    .isInstanceOfSatisfying(OpenAIServiceException.class, e -> {
                        assertThat(e.statusCode()).isEqualTo(503);
                        assertThat(e.headers().values("Retry-After")).isNotEmpty();
                    });
            assertThat(held.get().model()).isEqualTo(PRIMARY);
        }
        String logged = Files.readString(Path.of("target/test-logs/rotor.log"));
        assertThat(logged).doesNotContain("gw-key-1").doesNotContain("gw-key-2");
    }

    private static Set<String> threadNames() {
        Set<String> names = new TreeSet<>();
        Thread.getAllStackTraces().keySet().forEach(t -> names.add(t.getName()));
        return names;
    }

    private static HttpResponse<String> post(HttpClient http, int port, String body, Map<String, String> headers)
            throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        headers.forEach(request::header);
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void aRequestThatAsksForJsonIsCheckedBeforeTheClientSeesItAndPlainChatIsPassedOnAsItCame() throws Exception {
        Scenario scenario = Scenario.builder()
                .model(PRIMARY, ModelBehaviour.unlimited().withScript("broken-json", "broken-json", "truncated"))
                .model(SECONDARY, ModelBehaviour.unlimited().withScript("prose-json"))
                .build();
        int port = FreePorts.next();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor = gateway(dir, sim, port).start()) {
            OpenAIClient client = client(port, "any");
            ChatCompletion json = client.chat()
                    .completions()
                    .create(ask("rotor")
                            .responseFormat(ResponseFormatJsonObject.builder().build())
                            .build());
            // broken twice on the primary (asked again once), then the secondary's JSON, cut out of its prose
            assertThat(json.model()).isEqualTo(SECONDARY);
            assertThat(JSON.readTree(json.choices().get(0).message().content().orElseThrow())
                            .isObject())
                    .isTrue();
            assertThat(sim.calls())
                    .extracting(SimulatorServer.Call::model)
                    .containsExactly(PRIMARY, PRIMARY, SECONDARY);

            // plain chat cut off at max_tokens reaches the client as it came: it may want what there is
            ChatCompletion plain =
                    client.chat().completions().create(ask("rotor").build());
            assertThat(plain.model()).isEqualTo(PRIMARY);
            assertThat(plain.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.LENGTH);
        }
    }
}
