package dev.rotor;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.Scenario.ModelBehaviour;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.FreePorts;
import dev.rotor.support.RotorHarness;
import dev.rotor.support.RotorProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Rotor as a user runs it: its own process, configured only through environment variables. */
class BatchModeProcessTest {

    @TempDir
    Path dir;

    @Test
    void shouldLetEnvironmentVariablesOverrideSettingsAndExitAfterTheBatchWithItsTable() throws Exception {
        Scenario scenario = Scenario.builder()
                .model("vendor/primary", ModelBehaviour.unlimited().withScript("ok", "429"))
                .build();
        try (SimulatorServer sim = SimulatorServer.start(scenario)) {
            Files.writeString(
                    dir.resolve("models.yaml"),
                    RotorHarness.modelsYaml(sim, Map.of(), "vendor/primary", "vendor/secondary"));
            Path inbox = Files.createDirectories(dir.resolve("in"));
            for (String id : new String[] {"b1", "b2", "b3"}) {
                Files.writeString(inbox.resolve(id + ".json"), "{\"id\":\"" + id + "\",\"prompt\":\"Say " + id + "\"}");
            }
            Files.writeString(inbox.resolve("broken.json"), "{ not json");
            Path outbox = dir.resolve("out-from-env");
            Path summary = dir.resolve("summary.json");
            Path log = dir.resolve("rotor.out");

            // INFO on the console: Camel's start-up summary lists the settings it resolved, and the key must not be
            // among them
            Process p = RotorProcess.start(
                    List.of("-Drotor.test.console-level=INFO"),
                    Map.of(
                            "ROTOR_BATCH",
                            "true",
                            "ROTOR_INBOX_DIR",
                            inbox.toString(),
                            "ROTOR_OUTBOX_DIR",
                            outbox.toString(),
                            "ROTOR_FAILED_DIR",
                            dir.resolve("dead").toString(),
                            "ROTOR_MODELS_FILE",
                            dir.resolve("models.yaml").toString(),
                            "ROTOR_INBOX_MIN_AGE",
                            "0",
                            "ROTOR_CONCURRENCY",
                            "1",
                            "ROTOR_BATCH_SUMMARY_FILE",
                            summary.toString()),
                    log);
            assertThat(p.waitFor(60, TimeUnit.SECONDS))
                    .as("batch ends by itself")
                    .isTrue();

            String printed = Files.readString(log);
            assertThat(p.exitValue()).as(printed).isEqualTo(1);
            assertThat(printed)
                    .contains("Rotor batch: 4 tasks, 3 completed, 1 failed, 1 rotations")
                    .contains("vendor/primary")
                    .contains("requests")
                    .contains("[OS Environment Variable]")
                    .doesNotContain(RotorHarness.DEFAULT_KEY)
                    // a line outside a task shows no empty task context; one inside shows its task and model
                    .doesNotContain("[task= model=]")
                    .containsPattern(
                            "\\[task=b\\d model=vendor/secondary\\] rotation vendor/primary -> vendor/secondary");
            assertThat(outbox.resolve("b1.json")).exists();
            assertThat(outbox.resolve("b2.json")).exists();
            assertThat(outbox.resolve("b3.json")).exists();
            assertThat(dir.resolve("dead").resolve("broken.json")).exists();
            JsonNode run = RotorHarness.read(summary);
            assertThat(run.path("tasks").asInt()).isEqualTo(4);
            assertThat(run.path("completed").asInt()).isEqualTo(3);
            assertThat(run.path("success_rate").asDouble()).isEqualTo(0.75);
            assertThat(run.path("models")
                            .path("vendor/primary")
                            .path("rate_limited")
                            .asInt())
                    .isEqualTo(1);
            assertThat(run.path("per_task")).hasSize(4);
            // one call got in before the primary's 429, which asked for 30 s: that is its limit now, as learned
            JsonNode limit = run.path("models").path("vendor/primary").path("limit");
            assertThat(limit.path("requests").asInt()).isEqualTo(1);
            assertThat(limit.path("window_seconds").asDouble()).isBetween(30.0, 32.0);
            assertThat(limit.path("source").asText()).isEqualTo("learned");
            assertThat(limit.path("scope").asText()).isEqualTo("model:vendor/primary");
            assertThat(run.path("models").path("vendor/secondary").path("limit").isNull())
                    .isTrue();
            assertThat(printed).containsPattern("vendor/primary .* 1/3[01](\\.\\d+)?s learned");
        }
    }

    @Test
    void shouldStopOnAConfigurationMistakeWithOneLineThatNamesItAndExitCodeTwo() throws Exception {
        Files.writeString(
                dir.resolve("models.yaml"),
                "providers:\n  p: { base-url: \"http://127.0.0.1:1\" }\nmodels:\n"
                        + "  - { id: m, provider: nowhere }\n");
        Path log = dir.resolve("rotor.out");
        Process p = RotorProcess.start(
                Map.of(
                        "ROTOR_MODELS_FILE",
                        dir.resolve("models.yaml").toString(),
                        "ROTOR_INBOX_DIR",
                        dir.resolve("in").toString()),
                log);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String printed = Files.readString(log);
        assertThat(p.exitValue()).as(printed).isEqualTo(2);
        assertThat(printed)
                .containsPattern("(?m)^rotor: .*models.yaml.*nowhere.*$")
                .doesNotContain("Exception in thread")
                .doesNotContain("\tat ");

        Process wrongSetting = RotorProcess.start(Map.of("ROTOR_CONCURRENCY", "lots"), log);
        assertThat(wrongSetting.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(wrongSetting.exitValue()).isEqualTo(2);
        assertThat(Files.readString(log))
                .containsPattern("(?m)^rotor: rotor.concurrency must be a whole number, at least 1, got 'lots'$")
                .doesNotContain("\tat ");
    }

    @Test
    void shouldStopAtStartWithOneLineNamingTheSettingWhenTheOutboxCannotBeWritten() throws Exception {
        Files.writeString(
                dir.resolve("models.yaml"),
                "providers:\n  p: { base-url: \"http://127.0.0.1:1\" }\nmodels:\n" + "  - { id: m, provider: p }\n");
        Files.writeString(dir.resolve("outbox"), "a file where the outbox should be");
        Path log = dir.resolve("rotor.out");
        Process p = RotorProcess.start(
                Map.of(
                        "ROTOR_MODELS_FILE",
                        dir.resolve("models.yaml").toString(),
                        "ROTOR_INBOX_DIR",
                        dir.resolve("in").toString(),
                        "ROTOR_OUTBOX_DIR",
                        dir.resolve("outbox/results").toString()),
                log);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String printed = Files.readString(log);
        assertThat(p.exitValue()).as(printed).isEqualTo(2);
        assertThat(printed)
                .containsPattern("(?m)^rotor: rotor.outbox.dir is .*outbox/results, where Rotor cannot write"
                        + " and rename a file \\(.*Not a directory\\)$")
                .doesNotContain("\tat ");
    }

    @Test
    void shouldEndABatchWithExitOneAndLeaveItsTasksInTheInboxWhenTheOutboxStaysBrokenPastTheGiveUp() throws Exception {
        Scenario slow = Scenario.builder()
                .latencyMs(1500)
                .model("vendor/primary", ModelBehaviour.unlimited())
                .build();
        try (SimulatorServer sim = SimulatorServer.start(slow)) {
            Files.writeString(dir.resolve("models.yaml"), RotorHarness.modelsYaml(sim, Map.of(), "vendor/primary"));
            Path inbox = Files.createDirectories(dir.resolve("in"));
            for (String id : new String[] {"g1", "g2", "g3"}) {
                Files.writeString(inbox.resolve(id + ".json"), "{\"id\":\"" + id + "\",\"prompt\":\"Say " + id + "\"}");
            }
            Path outbox = dir.resolve("out");
            Path log = dir.resolve("give-up.out");
            Process p = RotorProcess.start(
                    List.of("-Drotor.test.console-level=INFO"),
                    Map.of(
                            "ROTOR_BATCH",
                            "true",
                            "ROTOR_INBOX_DIR",
                            inbox.toString(),
                            "ROTOR_OUTBOX_DIR",
                            outbox.toString(),
                            "ROTOR_MODELS_FILE",
                            dir.resolve("models.yaml").toString(),
                            "ROTOR_INBOX_MIN_AGE",
                            "0",
                            "ROTOR_OUTPUT_GIVE_UP",
                            "3s",
                            "ROTOR_BATCH_SUMMARY_FILE",
                            dir.resolve("summary.json").toString()),
                    log);
            Awaitility.await()
                    .atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(50))
                    .until(() -> Files.exists(log) && Files.readString(log).contains("batch mode: 3 task(s)"));
            // the calls are out, their answers 1.5 s away: the outbox breaks before any result is written
            Files.delete(outbox);
            Files.writeString(outbox, "not a folder any more");
            assertThat(p.waitFor(60, TimeUnit.SECONDS))
                    .as("the batch ends by itself")
                    .isTrue();

            String printed = Files.readString(log);
            assertThat(p.exitValue()).as(printed).isEqualTo(1);
            assertThat(printed)
                    .contains("the output has refused every result for over 3s (rotor.output.give-up)")
                    .containsOnlyOnce("cannot be delivered to folder")
                    .doesNotContain("\tat ");
            assertThat(sim.calls()).as("each task reached the model once").hasSize(3);
            try (var left = Files.list(inbox)) {
                assertThat(left.filter(Files::isRegularFile)
                                .map(f -> f.getFileName().toString()))
                        .containsExactlyInAnyOrder("g1.json", "g2.json", "g3.json");
            }
        }
    }

    @Test
    void shouldStopCleanlyWhenToldToWhileStillStarting() throws Exception {
        Path log = dir.resolve("rotor.out");
        // the embedded broker makes the start long: the stop comes while Camel is being configured
        Process p = RotorProcess.start(
                Map.of(
                        "ROTOR_SIMULATOR_ENABLED",
                        "true",
                        "ROTOR_INTAKE",
                        "jms",
                        "ROTOR_OUTPUT",
                        "jms",
                        "ROTOR_JMS_EMBEDDED",
                        "true",
                        "ROTOR_JMS_BROKER_URL",
                        "tcp://127.0.0.1:" + FreePorts.next(),
                        "ROTOR_JMS_EMBEDDED_DATA_DIR",
                        dir.resolve("artemis").toString(),
                        "ROTOR_INBOX_DIR",
                        dir.resolve("in").toString()),
                log);
        Awaitility.await()
                .atMost(Duration.ofSeconds(60))
                .until(() -> Files.exists(log) && Files.readString(log).contains("served by the embedded simulator"));
        p.destroy();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        String printed = Files.readString(log);
        assertThat(printed)
                .as(printed)
                .doesNotContain(" ERROR ")
                .doesNotContain("Exception")
                .doesNotContain("\tat ");
    }

    @Test
    void shouldCheckKeysProvidersAndModelsBeforeAnyTaskAndExitZeroOnlyWhenAllIsFine() throws Exception {
        Scenario offersOne = Scenario.builder()
                .model("vendor/primary", ModelBehaviour.unlimited())
                .build();
        Scenario offersBoth = Scenario.builder()
                .model("vendor/primary", ModelBehaviour.unlimited())
                .model("vendor/secondary", ModelBehaviour.unlimited())
                .build();
        Path log = dir.resolve("check.out");
        try (SimulatorServer one = SimulatorServer.start(offersOne);
                SimulatorServer both = SimulatorServer.start(offersBoth)) {
            Files.writeString(
                    dir.resolve("one.yaml"),
                    RotorHarness.modelsYaml(one, Map.of(), "vendor/primary", "vendor/secondary"));
            Files.writeString(
                    dir.resolve("both.yaml"),
                    RotorHarness.modelsYaml(both, Map.of(), "vendor/primary", "vendor/secondary"));

            Process missing = RotorProcess.start(
                    Map.of(
                            "ROTOR_CHECK",
                            "true",
                            "ROTOR_MODELS_FILE",
                            dir.resolve("one.yaml").toString(),
                            "ROTOR_SIMULATOR_ENABLED",
                            "false"),
                    log);
            assertThat(missing.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String table = Files.readString(log);
            assertThat(missing.exitValue()).as(table).isEqualTo(1);
            assertThat(table)
                    .containsPattern("openrouter\\s+" + RotorHarness.KEY_VARIABLE + "\\s+set\\s+HTTP 200, 1 models")
                    .containsPattern("vendor/primary\\s+openrouter\\s+yes")
                    .containsPattern("vendor/secondary\\s+openrouter\\s+MISSING")
                    .contains("check: NOT fine (1 model(s) not offered)")
                    .doesNotContain(RotorHarness.DEFAULT_KEY);
            assertThat(one.calls()).as("no task ran").isEmpty();

            Process fine = RotorProcess.start(
                    Map.of(
                            "ROTOR_CHECK",
                            "true",
                            "ROTOR_MODELS_FILE",
                            dir.resolve("both.yaml").toString(),
                            "ROTOR_SIMULATOR_ENABLED",
                            "false"),
                    log);
            assertThat(fine.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(fine.exitValue()).as(Files.readString(log)).isZero();
            assertThat(Files.readString(log)).contains("check: fine");
        }
    }

    @Test
    void shouldPrintProgressWithRateEtaAndModelsWhileABatchOfMoreThanAHandfulRuns() throws Exception {
        Scenario slow = Scenario.builder()
                .latencyMs(150)
                .model("vendor/primary", ModelBehaviour.unlimited())
                .build();
        try (SimulatorServer sim = SimulatorServer.start(slow)) {
            Files.writeString(dir.resolve("models.yaml"), RotorHarness.modelsYaml(sim, Map.of(), "vendor/primary"));
            Path inbox = Files.createDirectories(dir.resolve("in"));
            for (int i = 0; i < 20; i++) {
                Files.writeString(
                        inbox.resolve("p" + i + ".json"), "{\"id\":\"p" + i + "\",\"prompt\":\"Say " + i + "\"}");
            }
            Path log = dir.resolve("progress.out");
            Process p = RotorProcess.start(
                    Map.of(
                            "ROTOR_BATCH",
                            "true",
                            "ROTOR_INBOX_DIR",
                            inbox.toString(),
                            "ROTOR_OUTBOX_DIR",
                            dir.resolve("out").toString(),
                            "ROTOR_MODELS_FILE",
                            dir.resolve("models.yaml").toString(),
                            "ROTOR_INBOX_MIN_AGE",
                            "0",
                            "ROTOR_CONCURRENCY",
                            "1",
                            "ROTOR_BATCH_PROGRESS_EVERY",
                            "500ms",
                            "ROTOR_BATCH_SUMMARY_FILE",
                            dir.resolve("summary.json").toString()),
                    log);
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
            String printed = Files.readString(log);
            assertThat(p.exitValue()).as(printed).isZero();
            assertThat(printed)
                    .containsPattern("(?m)^progress: \\d+/20 done \\(\\d+ completed, 0 failed\\), "
                            + "\\d+\\.\\d tasks/s, ETA \\d+s, models: (vendor/primary \\d+|-)$");
        }
    }
}
