package dev.rotor.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.Scenario.ModelBehaviour;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.RotorHarness;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rotation over real HTTP against the simulator, through Rotor's own routes and settings. */
class RotationRouteTest {

    private static final String PRIMARY = "vendor/primary";
    private static final String SECONDARY = "vendor/secondary";

    @TempDir
    Path dir;

    private static void processOne(RotorHarness rotor, String id) {
        int before = rotor.ledger().count();
        rotor.dropTask(id);
        rotor.awaitEnded(before + 1, Duration.ofSeconds(20));
    }

    private static List<String> outcomes(JsonNode result) {
        return result.path("attempts").findValuesAsText("outcome");
    }

    private static List<String> models(JsonNode result) {
        return result.path("attempts").findValuesAsText("model");
    }

    @Test
    void shouldRotateAtOnceWhenThePrimaryIsRateLimitedAndAnotherModelIsFree() throws Exception {
        // the primary's second answer is a 429 asking for a 30 s pause
        Scenario scenario = Scenario.builder()
                .model(PRIMARY, ModelBehaviour.unlimited().withScript("ok", "429"))
                .model(SECONDARY, ModelBehaviour.unlimited())
                .build();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor = RotorHarness.on(dir, sim, PRIMARY, SECONDARY)
                        .set("rotor.concurrency", "1")
                        .start()) {
            processOne(rotor, "first");
            processOne(rotor, "second");

            assertThat(rotor.result("first").path("model").asText()).isEqualTo(PRIMARY);
            JsonNode second = rotor.result("second");
            assertThat(second.path("model").asText()).isEqualTo(SECONDARY);
            assertThat(second.path("rotations").asInt()).isEqualTo(1);
            assertThat(models(second)).containsExactly(PRIMARY, SECONDARY);
            assertThat(outcomes(second)).containsExactly("rate_limited", "ok");
            assertThat(second.path("attempts").get(0).path("http_status").asInt())
                    .isEqualTo(429);
            // rotated without sleeping out the 30 s Retry-After
            assertThat(Duration.ofMillis(second.path("latency_ms").asLong())).isLessThan(Duration.ofSeconds(3));
            assertThat(second.path("simulated").asBoolean()).isFalse();
            // and the next task goes straight to the secondary while the primary cools down
            processOne(rotor, "third");
            assertThat(models(rotor.result("third"))).containsExactly(SECONDARY);
            assertThat(sim.callsTo(PRIMARY)).isEqualTo(2);
        }
    }

    @Test
    void shouldCoolEveryFreeModelWhenTheSharedFreePoolAnswers429() throws Exception {
        try (SimulatorServer sim = SimulatorServer.start(freePoolOfTwo());
                RotorHarness rotor = onFreeModelsThenPaid(sim)) {
            // another client of the same account used the pool up, so Rotor first hears of it as a 429
            callDirectly(sim, "other:free");
            callDirectly(sim, "other:free");
            processOne(rotor, "t1");
            processOne(rotor, "t2");

            JsonNode t1 = rotor.result("t1");
            assertThat(models(t1)).containsExactly("a:free", "paid");
            assertThat(t1.path("attempts").get(0).path("message").asText()).contains("free-models-per-min");
            assertThat(models(rotor.result("t2"))).containsExactly("paid");
            // the pool's 429 cooled b:free and c:free too: neither was tried
            assertThat(sim.callsTo("b:free")).isZero();
            assertThat(sim.callsTo("c:free")).isZero();
        }
    }

    @Test
    void shouldLeaveEveryFreeModelWithoutA429OnceASuccessReportsThePoolUsedUp() throws Exception {
        try (SimulatorServer sim = SimulatorServer.start(freePoolOfTwo());
                RotorHarness rotor = onFreeModelsThenPaid(sim)) {
            processOne(rotor, "t1");
            processOne(rotor, "t2");
            // a:free answered "0 remaining" on t2: the pool is cooled without spending a 429 to learn it
            processOne(rotor, "t3");

            assertThat(models(rotor.result("t2"))).containsExactly("a:free");
            assertThat(models(rotor.result("t3"))).containsExactly("paid");
            assertThat(sim.calls()).extracting(SimulatorServer.Call::answer).doesNotContain("429-pool");
        }
    }

    private static Scenario freePoolOfTwo() {
        return Scenario.builder()
                .pool("free-models-per-min", 2, 60_000, ":free")
                .build();
    }

    private RotorHarness onFreeModelsThenPaid(SimulatorServer sim) {
        return RotorHarness.on(dir, sim, "a:free", "b:free", "c:free", "paid")
                .set("rotor.concurrency", "1")
                .start();
    }

    private static void callDirectly(SimulatorServer sim, String model) throws Exception {
        HttpResponse<String> answer = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/chat/completions"))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model
                                        + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).isEqualTo(200);
    }

    @Test
    void shouldWaitForTheEarliestResetWhenEveryModelIsCoolingThenComplete() throws Exception {
        Scenario scenario = Scenario.builder()
                .model(PRIMARY, ModelBehaviour.limited(1, 3_000))
                .model(SECONDARY, ModelBehaviour.limited(1, 3_000))
                .build();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor = RotorHarness.on(dir, sim, PRIMARY, SECONDARY)
                        .set("rotor.concurrency", "1")
                        .start()) {
            Instant dropped = Instant.now();
            for (String id : List.of("w1", "w2", "w3", "w4")) {
                rotor.dropTask(id);
            }
            rotor.awaitEnded(4, Duration.ofSeconds(30));

            assertThat(rotor.files(rotor.failed())).isEmpty();
            List<JsonNode> results =
                    List.of(rotor.result("w1"), rotor.result("w2"), rotor.result("w3"), rotor.result("w4"));
            assertThat(results)
                    .allSatisfy(r -> assertThat(r.path("status").asText()).isEqualTo("completed"));
            // two tasks could not be served before the windows reset: they waited instead of failing
            long waited = results.stream()
                    .filter(r -> r.path("latency_ms").asLong() >= 500)
                    .count();
            assertThat(waited).isGreaterThanOrEqualTo(2);
            // and waiting held no thread: with concurrency 1 the second waiter did not queue behind the first
            Instant lastCall = sim.calls().get(sim.calls().size() - 1).at();
            assertThat(Duration.between(dropped, lastCall)).isLessThan(Duration.ofSeconds(9));
            // it waited for the reset rather than hammering the models: at most one 429 per model per waiting task
            assertThat(sim.calls().stream()
                            .filter(c -> c.answer().startsWith("429"))
                            .count())
                    .isLessThanOrEqualTo(4);
        }
    }

    @Test
    void shouldLetOtherTasksPassWhileATaskWaitsForItsModel() throws Exception {
        Scenario scenario = Scenario.builder()
                .model(PRIMARY, ModelBehaviour.limited(1, 8_000))
                .model(SECONDARY, ModelBehaviour.unlimited())
                .build();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor = RotorHarness.on(dir, sim, PRIMARY, SECONDARY)
                        .set("rotor.concurrency", "1")
                        .start()) {
            processOne(rotor, "uses-primary");
            Instant spent = Instant.now();
            // the primary's window is spent: a task bound to it must wait for the reset
            rotor.drop("waiter.json", "{\"id\":\"waiter\",\"prompt\":\"p\",\"models\":[\"" + PRIMARY + "\"]}");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> rotor.context().getInflightRepository().size() == 1);
            rotor.drop("passer.json", "{\"id\":\"passer\",\"prompt\":\"p\",\"models\":[\"" + SECONDARY + "\"]}");
            rotor.awaitEnded(2, Duration.ofSeconds(20));
            // with a single worker thread, the passer finished while the waiter was still waiting: it held no thread
            assertThat(rotor.ledger().entries()).extracting(e -> e.id()).containsExactly("uses-primary", "passer");
            assertThat(rotor.context().getInflightRepository().size()).isEqualTo(1);
            assertThat(Duration.between(spent, Instant.now()))
                    .as("well before the window resets")
                    .isLessThan(Duration.ofSeconds(5));
            assertThat(rotor.result("passer").path("latency_ms").asLong()).isLessThan(1_500);

            rotor.awaitEnded(3, Duration.ofSeconds(20));
            // it met the 429, waited out the window without calling again, and completed
            assertThat(rotor.result("waiter").path("attempts").findValuesAsText("outcome"))
                    .containsExactly("rate_limited", "ok");
        }
    }

    @Test
    void shouldRetryAServerErrorWithBackoffOnTheSameModelThenRotate() throws Exception {
        Scenario scenario = Scenario.builder()
                .model(PRIMARY, ModelBehaviour.unlimited().withScript("500", "502", "503"))
                .model(SECONDARY, ModelBehaviour.unlimited())
                .build();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor =
                        RotorHarness.on(dir, sim, PRIMARY, SECONDARY).start()) {
            processOne(rotor, "flaky");
            JsonNode r = rotor.result("flaky");
            assertThat(models(r)).containsExactly(PRIMARY, PRIMARY, PRIMARY, SECONDARY);
            assertThat(outcomes(r)).containsExactly("transient", "transient", "transient", "ok");
            assertThat(r.path("attempts").findValuesAsText("http_status")).containsExactly("500", "502", "503", "200");
            assertThat(r.path("rotations").asInt()).isEqualTo(1);
            // backoff of 50 ms, then 100 ms (±20 %) between the retries on the primary
            Instant first = Instant.parse(r.path("attempts").get(0).path("at").asText());
            Instant second = Instant.parse(r.path("attempts").get(1).path("at").asText());
            Instant third = Instant.parse(r.path("attempts").get(2).path("at").asText());
            assertThat(Duration.between(first, second)).isGreaterThanOrEqualTo(Duration.ofMillis(40));
            assertThat(Duration.between(second, third)).isGreaterThanOrEqualTo(Duration.ofMillis(80));
        }
    }

    @Test
    void shouldTreatAnErrorInsideA200AndAnEmptyCompletionAsFailures() throws Exception {
        Scenario scenario = Scenario.builder()
                .model(PRIMARY, ModelBehaviour.unlimited().withScript("error-200", "empty", "not-json"))
                .model(SECONDARY, ModelBehaviour.unlimited())
                .build();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor = RotorHarness.on(dir, sim, PRIMARY, SECONDARY)
                        .set("rotor.rotation.rotate-after", "4")
                        .start()) {
            processOne(rotor, "sneaky");
            JsonNode r = rotor.result("sneaky");
            assertThat(outcomes(r)).containsExactly("transient", "transient", "transient", "ok");
            assertThat(r.path("attempts").findValuesAsText("message"))
                    .anyMatch(m -> m.contains("error in a 200 response"))
                    .anyMatch(m -> m.equals("empty completion"))
                    .anyMatch(m -> m.contains("not a JSON object"));
            assertThat(r.path("content").asText()).startsWith("Simulated answer from " + PRIMARY);
        }
    }

    @Test
    void shouldRouteATaskThroughItsNamedChainOrExplicitModels() throws Exception {
        try (SimulatorServer sim = SimulatorServer.start(Scenario.builder().build());
                RotorHarness rotor =
                        RotorHarness.on(dir, sim, PRIMARY, SECONDARY).start()) {
            NotifyBuilder done = rotor.whenFilesDone(2);
            rotor.drop("chained.json", "{\"id\":\"chained\",\"prompt\":\"p\",\"chain\":\"second-only\"}");
            rotor.drop("explicit.json", "{\"id\":\"explicit\",\"prompt\":\"p\",\"models\":[\"" + SECONDARY + "\"]}");
            assertThat(done.matches(20, TimeUnit.SECONDS)).isTrue();
            assertThat(rotor.result("chained").path("model").asText()).isEqualTo(SECONDARY);
            assertThat(rotor.result("explicit").path("model").asText()).isEqualTo(SECONDARY);
            assertThat(sim.callsTo(PRIMARY)).isZero();
            assertThat(sim.calls()).extracting(SimulatorServer.Call::title).containsOnly("Rotor");
        }
    }

    @Test
    void shouldGiveUpOnAResponseSlowerThanTheReadTimeoutAndRetry() throws Exception {
        Scenario scenario = Scenario.builder()
                .slowMs(3_000)
                .model(PRIMARY, ModelBehaviour.unlimited().withScript("slow"))
                .build();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor = RotorHarness.on(dir, sim, PRIMARY, SECONDARY)
                        .set("rotor.http.read-timeout", "500")
                        .start()) {
            processOne(rotor, "patient");
            JsonNode r = rotor.result("patient");
            assertThat(outcomes(r)).containsExactly("transient", "ok");
            assertThat(r.path("attempts").get(0).path("message").asText()).startsWith("timed out");
            assertThat(r.path("attempts").get(0).path("latency_ms").asLong()).isBetween(400L, 2_500L);
            assertThat(r.path("attempts").get(0).has("http_status")).isFalse();
        }
    }

    @Test
    void shouldMoveAnUnknownModelOutOfTheRotationAndUseTheNext() throws Exception {
        Scenario scenario = Scenario.builder()
                .serveUnknownModels(false)
                .model(SECONDARY, ModelBehaviour.unlimited())
                .build();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor = RotorHarness.on(dir, sim, Map.of(), PRIMARY, SECONDARY)
                        .set("rotor.concurrency", "1")
                        .start()) {
            processOne(rotor, "g1");
            processOne(rotor, "g2");
            assertThat(outcomes(rotor.result("g1"))).containsExactly("model_gone", "ok");
            assertThat(models(rotor.result("g2"))).containsExactly(SECONDARY);
            assertThat(sim.callsTo(PRIMARY)).isEqualTo(1);
        }
    }

    @Test
    void shouldLeaveAModelItsProviderDoesNotListOutOfTheRotationFromTheStart() throws Exception {
        Scenario scenario = Scenario.builder()
                .serveUnknownModels(false)
                .model(SECONDARY, ModelBehaviour.unlimited())
                .build();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor = RotorHarness.on(dir, sim, Map.of(), PRIMARY, SECONDARY)
                        .set("rotor.check.at-start", "true")
                        .set("rotor.concurrency", "1")
                        .start()) {
            processOne(rotor, "s1");
            // never tried: the provider's /models at start did not list it
            assertThat(outcomes(rotor.result("s1"))).containsExactly("ok");
            assertThat(models(rotor.result("s1"))).containsExactly(SECONDARY);
            assertThat(sim.callsTo(PRIMARY)).isZero();
        }
    }
}
