package dev.rotor.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
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

/** What cannot be completed ends in the failed folder with its reason, every attempt and its input. */
class DeadLetterRouteTest {

    private static final String MODEL = "vendor/model";

    @TempDir
    Path dir;

    @Test
    void shouldDeadLetterAnAuthFailureFastAndNeverRevealTheKey() throws Exception {
        String key = "sk-or-v1-RECOGNISABLE-fake-key-4242";
        Scenario scenario = Scenario.builder().requiredKey("the-real-key").build();
        Path log = Path.of("target/test-logs/rotor.log");
        long logOffset = Files.exists(log) ? Files.size(log) : 0;
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor = RotorHarness.on(dir, sim, MODEL)
                        .set(RotorHarness.KEY_VARIABLE, key)
                        .set("rotor.concurrency", "1")
                        .start()) {
            long start = System.nanoTime();
            rotor.dropTask("refused");
            rotor.awaitEnded(1, Duration.ofSeconds(20));
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));

            JsonNode dead = rotor.deadLetter("refused");
            // a file is for a person to open: indented, unlike a message on a queue
            assertThat(Files.readString(rotor.failed().resolve("refused.json"))).contains("\n  \"error\"");
            assertThat(dead.path("status").asText()).isEqualTo("failed");
            assertThat(dead.path("error").path("type").asText()).isEqualTo("auth");
            assertThat(dead.path("error").path("message").asText())
                    .contains("openrouter")
                    .contains(RotorHarness.KEY_VARIABLE);
            assertThat(dead.path("attempts")).hasSize(1);
            assertThat(dead.path("attempts").get(0).path("http_status").asInt()).isEqualTo(401);
            assertThat(dead.path("task").path("id").asText()).isEqualTo("refused");

            // the provider is marked: the next task does not burn a call on it
            rotor.dropTask("spared");
            rotor.awaitEnded(2, Duration.ofSeconds(20));
            assertThat(rotor.deadLetter("spared").path("error").path("type").asText())
                    .isEqualTo("auth");
            assertThat(sim.calls()).hasSize(1);

            String metrics = rotor.context()
                    .getRegistry()
                    .lookupByNameAndType("metricsRegistry", PrometheusMeterRegistry.class)
                    .scrape();
            assertThat(metrics).contains("rotor_model_failures_total").doesNotContain(key);
        }
        assertThat(RotorHarness.textOfEveryFileUnder(dir)).doesNotContain(key);
        String logged = Files.readString(log).substring((int) logOffset);
        assertThat(logged).contains("refused the request").doesNotContain(key);
    }

    @Test
    void shouldDeadLetterWithEveryAttemptWhenTheDeadlinePassesWhileEveryModelIsLimited() throws Exception {
        Scenario scenario = Scenario.builder()
                .model(MODEL, ModelBehaviour.unlimited().withScript("429", "429"))
                .build();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor = RotorHarness.on(dir, sim, MODEL)
                        .set("rotor.task.deadline", "2s")
                        .start()) {
            long start = System.nanoTime();
            rotor.dropTask("too-late");
            rotor.awaitEnded(1, Duration.ofSeconds(20));
            JsonNode dead = rotor.deadLetter("too-late");
            assertThat(dead.path("error").path("type").asText()).isEqualTo("deadline");
            assertThat(dead.path("attempts")).hasSize(1);
            assertThat(dead.path("attempts").get(0).path("outcome").asText()).isEqualTo("rate_limited");
            // the 30 s Retry-After lies past the 2 s deadline: no point waiting for it
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        }
    }
}
