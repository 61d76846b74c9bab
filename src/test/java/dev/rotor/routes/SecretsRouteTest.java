package dev.rotor.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.Scenario.ModelBehaviour;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.RotorHarness;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A recognisable key, taken through every outcome, shows up in no log line, file or metric. */
class SecretsRouteTest {

    private static final String KEY = "sk-or-v1-SECRET-canary-7f3a9c1e5b";
    private static final Path LOG = Path.of("target/test-logs/rotor.log");

    @TempDir
    Path dir;

    @Test
    void shouldKeepTheKeyOutOfLogsResultsDeadLettersAndMetricsThroughEveryOutcome() throws Exception {
        long logOffset = Files.exists(LOG) ? Files.size(LOG) : 0;
        Scenario accepting = Scenario.builder()
                .requiredKey(KEY)
                .model("vendor/primary", ModelBehaviour.unlimited().withScript("ok", "429"))
                .model("vendor/secondary", ModelBehaviour.unlimited())
                .model("vendor/refuses-input", ModelBehaviour.unlimited().withScript("400"))
                .model("vendor/busy", ModelBehaviour.unlimited().withScript("429"))
                .build();
        Scenario refusing = Scenario.builder().requiredKey("a-different-key").build();
        String metrics;
        try (SimulatorServer sim = SimulatorServer.start(accepting);
                SimulatorServer locked = SimulatorServer.start(refusing)) {
            String models = """
                    providers:
                      open: { base-url: "%s", api-key-env: %s }
                      locked: { base-url: "%s", api-key-env: %s }
                    models:
                      - { id: vendor/primary, provider: open }
                      - { id: vendor/secondary, provider: open }
                      - { id: vendor/refuses-input, provider: open }
                      - { id: vendor/busy, provider: open }
                      - { id: locked/model, provider: locked }
                    """.formatted(
                            sim.baseUrl(), RotorHarness.KEY_VARIABLE, locked.baseUrl(), RotorHarness.KEY_VARIABLE);
            RotorHarness rotor = RotorHarness.withModels(dir, models)
                    .set(RotorHarness.KEY_VARIABLE, KEY)
                    .set("rotor.concurrency", "1")
                    .set("camel.main.shutdown-timeout", "1")
                    .start();
            try {
                rotor.drop("s-ok.json", task("s-ok", "vendor/primary", "vendor/secondary"));
                rotor.awaitEnded(1, Duration.ofSeconds(20));
                rotor.drop("s-429.json", task("s-429", "vendor/primary", "vendor/secondary"));
                rotor.drop("s-bad.json", task("s-bad", "vendor/refuses-input"));
                rotor.drop("s-auth.json", task("s-auth", "locked/model"));
                rotor.awaitEnded(4, Duration.ofSeconds(20));
                // this one meets a 429 asking for 30 s and waits: Rotor "crashes" under it
                rotor.drop("s-crash.json", task("s-crash", "vendor/busy"));
                await().atMost(Duration.ofSeconds(20)).until(() -> sim.callsTo("vendor/busy") == 1);
                metrics = rotor.context()
                        .getRegistry()
                        .lookupByNameAndType("metricsRegistry", PrometheusMeterRegistry.class)
                        .scrape();
            } finally {
                rotor.context().getShutdownStrategy().setShutdownNowOnTimeout(true);
                rotor.close();
            }
            assertThat(rotor.result("s-ok").path("status").asText()).isEqualTo("completed");
            assertThat(rotor.result("s-429").path("attempts").findValuesAsText("outcome"))
                    .containsExactly("rate_limited", "ok");
            assertThat(rotor.deadLetter("s-bad").path("error").path("type").asText())
                    .isEqualTo("bad_request");
            assertThat(rotor.deadLetter("s-auth").path("error").path("type").asText())
                    .isEqualTo("auth");
            assertThat(rotor.inbox().resolve("s-crash.json"))
                    .as("kept for the next run")
                    .exists();
            // the key did reach the provider that accepts it
            assertThat(sim.callsTo("vendor/secondary")).isEqualTo(1);
        }
        assertThat(metrics).contains("rotor_model_requests_total").doesNotContain(KEY);
        assertThat(RotorHarness.textOfEveryFileUnder(dir)).doesNotContain(KEY);
        String logged = Files.readString(LOG).substring((int) logOffset);
        assertThat(logged).contains("s-crash").contains("refused the request").doesNotContain(KEY);
    }

    private static String task(String id, String... models) {
        return "{\"id\":\"" + id + "\",\"prompt\":\"p\",\"models\":[\"" + String.join("\",\"", models) + "\"]}";
    }
}
