package dev.rotor.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.RotorHarness;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With rotor.cache=on, a task that asks what was answered before is completed from that answer, with no call. */
class ResultCacheRouteTest {

    private static final String MODEL = "vendor/model";
    private static final int TASKS = 20;
    private static final int CHANGED = 3;

    @TempDir
    Path dir;

    @Test
    void shouldCallOnlyForTheChangedPromptsWhenTheSameBacklogComesAgainWithNewIdsAfterARestart() throws Exception {
        try (SimulatorServer sim = SimulatorServer.start(
                Scenario.builder().serveUnknownModels(true).build())) {
            try (RotorHarness first =
                    RotorHarness.on(dir, sim, MODEL).set("rotor.cache", "on").start()) {
                for (int i = 0; i < TASKS; i++) {
                    first.drop("a" + i + ".json", task("a" + i, "Summarise report " + i, "run-1"));
                }
                first.awaitEnded(TASKS, Duration.ofSeconds(20));
                assertThat(first.result("a0").path("cached").asBoolean(true)).isFalse();
            }
            assertThat(sim.calls()).hasSize(TASKS);

            // a re-export: new ids and metadata, the fields in another order, three prompts changed
            try (RotorHarness again =
                    RotorHarness.on(dir, sim, MODEL).set("rotor.cache", "on").start()) {
                for (int i = 0; i < TASKS; i++) {
                    String prompt = i < CHANGED ? "Summarise report " + i + ", briefly" : "Summarise report " + i;
                    again.drop(
                            "b" + i + ".json",
                            "{\"metadata\":{\"run\":\"run-2\"},\"prompt\":\"" + prompt + "\",\"id\":\"b" + i + "\"}");
                }
                again.awaitEnded(TASKS, Duration.ofSeconds(20));

                assertThat(sim.calls()).as("calls for the changed prompts only").hasSize(TASKS + CHANGED);
                JsonNode cached = again.result("b10");
                assertThat(cached.path("status").asText()).isEqualTo("completed");
                assertThat(cached.path("cached").asBoolean()).isTrue();
                assertThat(cached.path("model").asText()).isEqualTo(MODEL);
                assertThat(cached.path("content").asText())
                        .isEqualTo(again.result("a10").path("content").asText());
                assertThat(cached.path("usage")).isEqualTo(again.result("a10").path("usage"));
                assertThat(cached.path("metadata").path("run").asText()).isEqualTo("run-2");
                assertThat(cached.path("attempts")).isEmpty();
                assertThat(again.result("b1").path("cached").asBoolean()).isFalse();
                assertThat(scrape(again))
                        .contains("rotor_cache_hits_total " + (TASKS - CHANGED) + ".0")
                        .contains("rotor_tasks_deduplicated_total{reason=\"cached\",transport=\"file\"} "
                                + (TASKS - CHANGED) + ".0")
                        // an answer and a journal record for each call
                        .contains("rotor_cache_entries " + 2 * (TASKS + CHANGED) + ".0");
            }
        }
    }

    @Test
    void shouldNotAnswerFromWhatTheEmbeddedSimulatorSaidOnceTheProviderIsReal() throws Exception {
        try (SimulatorServer sim = SimulatorServer.start(
                Scenario.builder().serveUnknownModels(true).build())) {
            // a first run with no key: the embedded simulator answers
            try (RotorHarness simulated = RotorHarness.on(dir, sim, MODEL)
                    .set("rotor.cache", "on")
                    .set("rotor.simulator.enabled", "always")
                    .start()) {
                simulated.drop("a.json", task("a", "Summarise report 1", "run-1"));
                simulated.awaitEnded(1, Duration.ofSeconds(20));
                assertThat(simulated.result("a").path("simulated").asBoolean()).isTrue();
            }
            assertThat(sim.calls()).isEmpty();

            // the same file again (the journal's key) and the same question anew (the cache's), the provider real:
            // the question is asked of it once, the second of the two waiting for the first's answer
            try (RotorHarness real =
                    RotorHarness.on(dir, sim, MODEL).set("rotor.cache", "on").start()) {
                real.drop("a.json", task("a", "Summarise report 1", "run-1"));
                real.drop("b.json", task("b", "Summarise report 1", "run-2"));
                real.awaitEnded(2, Duration.ofSeconds(20));
                assertThat(real.result("a").path("status").asText()).isEqualTo("completed");
                assertThat(real.result("b").path("status").asText()).isEqualTo("completed");
            }
            assertThat(sim.calls()).as("the real provider's calls").hasSize(1);
        }
    }

    @Test
    void shouldCompleteFromTheJournalATaskWhoseAnswerCameBeforeRotorStoppedWithoutDeliveringIt() throws Exception {
        try (SimulatorServer sim = SimulatorServer.start(
                Scenario.builder().serveUnknownModels(true).build())) {
            try (RotorHarness first = RotorHarness.on(dir, sim, MODEL).start()) {
                // a file stands where the outbox should be: every answer is held, undelivered
                Files.delete(first.outbox());
                Files.writeString(first.outbox(), "not a folder");
                for (int i = 0; i < 3; i++) {
                    first.drop("j" + i + ".json", task("j" + i, "journal " + i, "x"));
                }
                await().atMost(Duration.ofSeconds(20)).until(() -> sim.calls().size() == 3);
            }
            Files.delete(dir.resolve("outbox"));
            try (RotorHarness again = RotorHarness.on(dir, sim, MODEL).start()) {
                again.awaitEnded(3, Duration.ofSeconds(20));
                assertThat(sim.calls())
                        .as("no second call for an answer recorded before the stop")
                        .hasSize(3);
                assertThat(again.result("j1").path("cached").asBoolean()).isTrue();
                assertThat(scrape(again))
                        .contains("rotor_tasks_deduplicated_total{reason=\"recorded\",transport=\"file\"} 3.0");
            }
        }
    }

    @Test
    void shouldCallEveryTimeWithTheCacheOff() throws Exception {
        // new ids each time: the journal, on by default, answers only a task that comes again
        try (SimulatorServer sim = SimulatorServer.start(
                        Scenario.builder().serveUnknownModels(true).build());
                RotorHarness rotor = RotorHarness.on(dir, sim, MODEL).start()) {
            for (int i = 0; i < 4; i++) {
                rotor.drop("t" + i + ".json", task("t" + i, "the same question", "x"));
                rotor.awaitEnded(i + 1, Duration.ofSeconds(10));
            }
            assertThat(sim.calls()).hasSize(4);
            assertThat(rotor.result("t3").path("cached").asBoolean(true)).isFalse();
        }
    }

    @Test
    void shouldMakeOneCallForIdenticalTasksInFlightAtOnce() throws Exception {
        Scenario slow =
                Scenario.builder().latencyMs(400).serveUnknownModels(true).build();
        try (SimulatorServer sim = SimulatorServer.start(slow)) {
            RotorHarness rotor =
                    RotorHarness.on(dir, sim, MODEL).set("rotor.cache", "on").set("rotor.concurrency", "4");
            // in the inbox before Rotor starts: its first poll takes all four at once
            for (int i = 0; i < 4; i++) {
                rotor.drop("t" + i + ".json", task("t" + i, "asked four times at once", "x"));
            }
            try (RotorHarness started = rotor.start()) {
                started.awaitEnded(4, Duration.ofSeconds(20));
                assertThat(sim.calls()).hasSize(1);
                assertThat(started.ledger().entries())
                        .filteredOn(e -> e.cached())
                        .hasSize(3);
                assertThat(scrape(started))
                        .contains("rotor_tasks_deduplicated_total{reason=\"in_flight\",transport=\"file\"} 3.0");
            }
        }
    }

    @Test
    void shouldNotKeepATruncatedAnswerNorAnswerATaskThatOptsOut() throws Exception {
        try (SimulatorServer sim = SimulatorServer.start(
                        Scenario.builder().serveUnknownModels(true).build());
                RotorHarness rotor = RotorHarness.on(dir, sim, MODEL)
                        .set("rotor.cache", "on")
                        .set("rotor.answers.accept-truncated", "true")
                        .start()) {
            for (int i = 0; i < 2; i++) {
                // the simulator's answer is longer than 3 tokens: it is cut, finish_reason "length", and taken as it is
                rotor.drop("cut" + i + ".json", "{\"id\":\"cut" + i + "\",\"prompt\":\"cut short\",\"max_tokens\":3}");
                rotor.awaitEnded(2 * i + 1, Duration.ofSeconds(10));
                rotor.drop(
                        "own" + i + ".json",
                        "{\"id\":\"own" + i + "\",\"prompt\":\"fresh each time\",\"cache\":false}");
                rotor.awaitEnded(2 * i + 2, Duration.ofSeconds(10));
            }
            assertThat(sim.calls()).hasSize(4);
            assertThat(rotor.result("own1").path("cached").asBoolean(true)).isFalse();
            assertThat(rotor.result("cut1").path("cached").asBoolean(true)).isFalse();
            assertThat(rotor.result("cut1").path("finish_reason").asText()).isEqualTo("length");
        }
    }

    private static String task(String id, String prompt, String run) {
        return "{\"id\":\"" + id + "\",\"prompt\":\"" + prompt + "\",\"metadata\":{\"run\":\"" + run + "\"}}";
    }

    private static String scrape(RotorHarness rotor) {
        return rotor.context()
                .getRegistry()
                .lookupByNameAndType("metricsRegistry", PrometheusMeterRegistry.class)
                .scrape();
    }
}
