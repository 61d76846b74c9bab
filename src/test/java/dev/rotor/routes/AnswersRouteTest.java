package dev.rotor.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.Scenario.ModelBehaviour;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.OtlpReceiver;
import dev.rotor.support.RotorHarness;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Answers checked against what their tasks asked, over real HTTP against the simulator, through Rotor's routes. */
class AnswersRouteTest {

    private static final String PRIMARY = "vendor/primary";
    private static final String SECONDARY = "vendor/secondary";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String PRODUCT = """
            {"type": "json_schema", "json_schema": {"name": "product", "schema": {"type": "object",
              "required": ["name", "price"],
              "properties": {"name": {"type": "string"}, "price": {"type": "number"}}}}}""";

    @TempDir
    Path dir;

    private static void run(RotorHarness rotor, String id, String task) {
        int before = rotor.ledger().count();
        rotor.drop(id + ".json", task);
        rotor.awaitEnded(before + 1, Duration.ofSeconds(20));
    }

    private static String extraction(String id) {
        return """
                {"id": "%s", "prompt": "Extract the product from: the Copper Kettle costs 12.50 EUR",
                 "max_tokens": 100, "response_format": %s}""".formatted(id, PRODUCT);
    }

    private static List<String> verdicts(JsonNode doc) {
        return doc.path("attempts").findValuesAsText("verdict");
    }

    private static List<String> models(JsonNode doc) {
        return doc.path("attempts").findValuesAsText("model");
    }

    private static List<JsonNode> requestsTo(SimulatorServer sim, String model) {
        return sim.calls().stream()
                .filter(c -> c.model().equals(model))
                .map(SimulatorServer.Call::request)
                .toList();
    }

    @Test
    void anAnswerOffItsSchemaIsAskedAgainWithWhatWasWrongThenTheTaskRotates() throws Exception {
        Scenario scenario = Scenario.builder()
                .model(PRIMARY, ModelBehaviour.unlimited().withScript("schema-break", "schema-break"))
                .model(SECONDARY, ModelBehaviour.unlimited().withScript("fenced-json"))
                .build();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                OtlpReceiver receiver = new OtlpReceiver();
                RotorHarness rotor = RotorHarness.on(dir, sim, PRIMARY, SECONDARY)
                        .set("rotor.concurrency", "1")
                        .set("otel.exporter.otlp.endpoint", receiver.endpoint())
                        .set("otel.bsp.schedule.delay", "50")
                        .start()) {
            run(rotor, "t1", extraction("t1"));

            JsonNode result = rotor.result("t1");
            assertThat(models(result)).containsExactly(PRIMARY, PRIMARY, SECONDARY);
            // traced: the re-ask an event of the task's span, the rejected answer's call ended as such, no text quoted
            Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() ->
                            receiver.spans().stream().anyMatch(s -> s.name().equals("rotor.task")));
            OtlpReceiver.Received task = receiver.spans().stream()
                    .filter(s -> s.name().equals("rotor.task"))
                    .findFirst()
                    .orElseThrow();
            assertThat(task.events()).containsSubsequence("rotor.reask", "rotor.rotation");
            assertThat(task.event("rotor.reask"))
                    .containsEntry("rotor.answer.fault", "schema")
                    .containsEntry("gen_ai.request.model", PRIMARY)
                    .doesNotContainKey("rotor.answer.detail");
            assertThat(receiver.trace(task.traceId()))
                    .filteredOn(s -> s.name().equals("chat " + PRIMARY))
                    .hasSize(2)
                    .allSatisfy(s -> assertThat(s.attributes())
                            .containsEntry("error.type", "answer_rejected")
                            .containsEntry("rotor.outcome", "schema"));
            assertThat(receiver.everything()).doesNotContain("about ");
            assertThat(verdicts(result)).containsExactly("schema", "schema", "healed");
            assertThat(result.path("attempts").get(0).path("message").asText())
                    .contains("$.price")
                    .contains("number");
            // the re-ask: the task's message, the model's own answer, and what was wrong with it
            List<JsonNode> primary = requestsTo(sim, PRIMARY);
            assertThat(primary.get(0).path("messages")).hasSize(1);
            JsonNode again = primary.get(1).path("messages");
            assertThat(again).hasSize(3);
            assertThat(again.get(1).path("role").asText()).isEqualTo("assistant");
            assertThat(again.get(1).path("content").asText()).contains("\"price\":\"about ");
            assertThat(again.get(2).path("role").asText()).isEqualTo("user");
            assertThat(again.get(2).path("content").asText()).contains("$.price: string found, number expected");
            // the next model is asked afresh, and its fenced JSON is filed as the JSON itself
            assertThat(requestsTo(sim, SECONDARY).get(0).path("messages")).hasSize(1);
            assertThat(requestsTo(sim, SECONDARY)
                            .get(0)
                            .path("response_format")
                            .path("type")
                            .asText())
                    .isEqualTo("json_schema");
            JsonNode content = JSON.readTree(result.path("content").asText());
            assertThat(content.path("price").isNumber()).isTrue();
            assertThat(result.path("finish_reason").asText()).isEqualTo("stop");
            assertThat(result.path("checked").toString()).isEqualTo("[\"finish_reason\",\"json_schema:product\"]");
            assertThat(result.path("healed").asBoolean()).isTrue();
            String metrics = rotor.context()
                    .getRegistry()
                    .lookupByNameAndType("metricsRegistry", PrometheusMeterRegistry.class)
                    .scrape();
            assertThat(metrics)
                    .contains("rotor_answers_rejected_total{model=\"vendor/primary\",reason=\"schema\"} 2.0")
                    .contains("rotor_answers_healed_total{model=\"vendor/secondary\"} 1.0");
        }
    }

    @Test
    void aTruncatedAnswerIsAskedOnceMoreWithTwiceTheMaxTokensAndARefusalRotatesAtOnce() throws Exception {
        Scenario scenario = Scenario.builder()
                .model(PRIMARY, ModelBehaviour.unlimited().withScript("truncated", "ok", "refusal"))
                .model(SECONDARY, ModelBehaviour.unlimited())
                .build();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor = RotorHarness.on(dir, sim, PRIMARY, SECONDARY)
                        .set("rotor.concurrency", "1")
                        .start()) {
            run(rotor, "cut", "{\"id\": \"cut\", \"prompt\": \"Write a long poem\", \"max_tokens\": 100}");
            run(rotor, "declined", "{\"id\": \"declined\", \"prompt\": \"Something the model declines\"}");

            JsonNode cut = rotor.result("cut");
            assertThat(models(cut)).containsExactly(PRIMARY, PRIMARY);
            assertThat(verdicts(cut)).containsExactly("truncated", "accepted");
            assertThat(requestsTo(sim, PRIMARY).get(0).path("max_tokens").asInt())
                    .isEqualTo(100);
            assertThat(requestsTo(sim, PRIMARY).get(1).path("max_tokens").asInt())
                    .isEqualTo(200);
            JsonNode declined = rotor.result("declined");
            assertThat(models(declined)).containsExactly(PRIMARY, SECONDARY);
            assertThat(verdicts(declined)).containsExactly("refused", "accepted");
            assertThat(declined.path("attempts").get(0).path("outcome").asText())
                    .isEqualTo("refused");
        }
    }

    @Test
    void aTaskWhoseAnswersFailOnEveryModelIsDeadLetteredInvalidAnswerWithEachVerdictAndTheLastContent()
            throws Exception {
        Scenario scenario = Scenario.builder()
                .model(PRIMARY, ModelBehaviour.unlimited().withScript("broken-json", "broken-json"))
                .model(SECONDARY, ModelBehaviour.unlimited().withScript("truncated", "truncated"))
                .build();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor = RotorHarness.on(dir, sim, PRIMARY, SECONDARY)
                        .set("rotor.concurrency", "1")
                        .start()) {
            run(rotor, "t1", extraction("t1"));

            JsonNode dead = rotor.deadLetter("t1");
            assertThat(dead.path("error").path("type").asText()).isEqualTo("invalid_answer");
            assertThat(dead.path("error").path("message").asText())
                    .contains(PRIMARY)
                    .contains("not_json")
                    .contains(SECONDARY)
                    .contains("truncated");
            assertThat(verdicts(dead)).containsExactly("not_json", "not_json", "truncated", "truncated");
            assertThat(dead.path("last_content").asText()).isNotBlank();
            assertThat(sim.calls()).hasSize(4);
        }
    }

    @Test
    void aTasksOpenAiAndVendorFieldsReachTheProviderAndAnUnknownFieldIsAnInvalidTask() throws Exception {
        Scenario scenario =
                Scenario.builder().model(PRIMARY, ModelBehaviour.unlimited()).build();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor = RotorHarness.on(dir, sim, PRIMARY)
                        .set("rotor.concurrency", "1")
                        .start()) {
            run(rotor, "fields", """
                    {"id": "fields", "prompt": "Classify: great product", "seed": 7, "stop": ["\\n"], "top_p": 0.9,
                     "user": "team-a", "accept": {"min-chars": 3},
                     "extra_body": {"provider": {"sort": "price"}, "transforms": ["middle-out"]}}""");
            run(rotor, "typo", "{\"id\": \"typo\", \"prompt\": \"hello\", \"max_token\": 10}");

            JsonNode sent = requestsTo(sim, PRIMARY).get(0);
            assertThat(sent.path("seed").asInt()).isEqualTo(7);
            assertThat(sent.path("stop").toString()).isEqualTo("[\"\\n\"]");
            assertThat(sent.path("user").asText()).isEqualTo("team-a");
            assertThat(sent.path("provider").path("sort").asText()).isEqualTo("price");
            assertThat(sent.path("transforms").get(0).asText()).isEqualTo("middle-out");
            assertThat(sent.has("accept")).isFalse();
            assertThat(sent.has("extra_body")).isFalse();
            assertThat(rotor.result("fields").path("checked").toString()).isEqualTo("[\"finish_reason\",\"accept\"]");
            JsonNode typo = rotor.deadLetter("typo");
            assertThat(typo.path("error").path("type").asText()).isEqualTo("invalid_task");
            assertThat(typo.path("error").path("message").asText())
                    .startsWith("unknown field 'max_token'")
                    .contains("extra_body");
            assertThat(sim.calls()).hasSize(1);
        }
    }

    @Test
    void aToolCallWithBrokenArgumentsIsAnsweredByTheToolWithWhatWasWrongAndTheResultCarriesTheCall() throws Exception {
        Scenario scenario = Scenario.builder()
                .model(PRIMARY, ModelBehaviour.unlimited().withScript("tool-args-broken"))
                .model(SECONDARY, ModelBehaviour.unlimited())
                .build();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor = RotorHarness.on(dir, sim, PRIMARY, SECONDARY)
                        .set("rotor.concurrency", "1")
                        .start()) {
            run(rotor, "weather", """
                    {"id": "weather", "prompt": "What is the weather in Paris?", "tool_choice": "required",
                     "tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {
                       "type": "object", "required": ["city"], "properties": {"city": {"type": "string"}}}}}]}""");

            JsonNode result = rotor.result("weather");
            assertThat(models(result)).containsExactly(PRIMARY, PRIMARY);
            assertThat(verdicts(result)).containsExactly("tool_arguments", "accepted");
            JsonNode again = requestsTo(sim, PRIMARY).get(1).path("messages");
            assertThat(again).hasSize(3);
            assertThat(again.get(1)
                            .path("tool_calls")
                            .get(0)
                            .path("function")
                            .path("arguments")
                            .asText())
                    .isEqualTo("{\"city\": \"Par");
            assertThat(again.get(2).path("role").asText()).isEqualTo("tool");
            assertThat(again.get(2).path("tool_call_id").asText()).isEqualTo("call_sim_1");
            assertThat(again.get(2).path("content").asText()).contains("not valid JSON");
            JsonNode call = result.path("tool_calls").get(0).path("function");
            assertThat(call.path("name").asText()).isEqualTo("get_weather");
            assertThat(JSON.readTree(call.path("arguments").asText())
                            .path("city")
                            .isTextual())
                    .isTrue();
        }
    }

    @Test
    void aModelWhoseJsonKeepsFailingSitsOutJsonTasksAndStillTakesPlainOnes() throws Exception {
        Scenario scenario = Scenario.builder()
                .model(PRIMARY, ModelBehaviour.unlimited().withFaults(1.0, "schema-break"))
                .model(SECONDARY, ModelBehaviour.unlimited())
                .build();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor = RotorHarness.on(dir, sim, PRIMARY, SECONDARY)
                        .set("rotor.concurrency", "1")
                        .set("rotor.answers.reask", "0")
                        .set("rotor.answers.distrust-after", "2")
                        .start()) {
            run(rotor, "j1", extraction("j1"));
            run(rotor, "j2", extraction("j2"));
            run(rotor, "j3", extraction("j3"));
            run(rotor, "plain", "{\"id\": \"plain\", \"prompt\": \"Say hello\"}");

            assertThat(models(rotor.result("j1"))).containsExactly(PRIMARY, SECONDARY);
            assertThat(models(rotor.result("j2"))).containsExactly(PRIMARY, SECONDARY);
            // two JSON answers off their schema in a row: the primary takes no JSON task for a while
            assertThat(models(rotor.result("j3"))).containsExactly(SECONDARY);
            assertThat(models(rotor.result("plain"))).containsExactly(PRIMARY);
        }
    }
}
