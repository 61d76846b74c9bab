package dev.rotor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.CrashRuns;
import dev.rotor.support.RotorHarness;
import dev.rotor.support.RotorProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 at random moments during a file batch, restarting each time: every task ends with a result, and a task is
 * called twice only if it was in flight at a kill with no answer yet (an answer is in the journal before the task's
 * result is written). CI runs 300 tasks and 2 kills; the long version is {@code mvn -B verify
 * -Dtest=CrashKillProcessTest -Drotor.crash.tasks=2000 -Drotor.crash.kills=5}.
 */
class CrashKillProcessTest {

    private static final int TASKS = Integer.getInteger("rotor.crash.tasks", 300);
    private static final int KILLS = Integer.getInteger("rotor.crash.kills", 2);

    @TempDir
    Path dir;

    @Test
    void shouldEndEveryTaskWithAResultThroughRepeatedKillNine() throws Exception {
        Scenario scenario = Scenario.builder().latencyMs(60).build();
        Random random = new Random(TASKS * 31L + KILLS);
        try (SimulatorServer sim = SimulatorServer.start(scenario)) {
            Files.writeString(dir.resolve("models.yaml"), RotorHarness.modelsYaml(sim, Map.of(), "vendor/primary"));
            Path inbox = Files.createDirectories(dir.resolve("inbox"));
            Path outbox = dir.resolve("outbox");
            for (int i = 0; i < TASKS; i++) {
                Files.writeString(inbox.resolve(CrashRuns.id(i) + ".json"), CrashRuns.task(CrashRuns.id(i)));
            }
            Set<String> inFlightAtAKill = new HashSet<>();
            Set<String> answeredBeforeAKill = new HashSet<>();
            List<String> report = new ArrayList<>();
            for (int kill = 0; kill <= KILLS; kill++) {
                Instant startedAt = Instant.now();
                Process rotor = start(dir, inbox, outbox, kill);
                if (kill == KILLS) {
                    await().atMost(Duration.ofMinutes(5)).until(() -> count(outbox) >= TASKS);
                    rotor.destroy();
                    rotor.waitFor();
                    break;
                }
                int done = count(outbox);
                int target = done + 1 + random.nextInt(Math.max(1, (TASKS - done) / 2));
                await().atMost(Duration.ofMinutes(2)).until(() -> count(outbox) >= target);
                rotor.destroyForcibly().waitFor();
                // every call the simulator saw until now was sent before the kill
                Instant killedAt = Instant.now();
                // in flight: called before the kill, and its input still in the inbox after it
                Set<String> pending = names(inbox);
                Set<String> inFlight = CrashRuns.callsByTask(sim, Instant.MIN, killedAt).keySet().stream()
                        .filter(pending::contains)
                        .collect(Collectors.toSet());
                inFlightAtAKill.addAll(inFlight);
                // called by this process and answered well before the kill: in the journal when the process died
                Instant answeredBy = killedAt.minus(CrashRuns.ANSWERED_MARGIN);
                Set<String> answered = CrashRuns.callsByTask(sim, startedAt, answeredBy).keySet().stream()
                        .filter(pending::contains)
                        .collect(Collectors.toSet());
                answeredBeforeAKill.addAll(answered);
                report.add(
                        String.format("kill %d at %d results: %d in flight", kill + 1, count(outbox), inFlight.size()));
            }
            Map<String, Integer> completions = CrashRuns.callsByTask(sim, Instant.MIN, Instant.MAX);
            Set<String> twice = completions.entrySet().stream()
                    .filter(e -> e.getValue() > 1)
                    .map(Map.Entry::getKey)
                    .collect(Collectors.toSet());
            System.out.printf(
                    "Crash: %d tasks, %d kills (%s); %d results; %d tasks called twice, %d of them in flight at "
                            + "a kill; %d answered before a kill and left in the inbox, %d of them called again%n",
                    TASKS,
                    KILLS,
                    String.join("; ", report),
                    count(outbox),
                    twice.size(),
                    twice.stream().filter(inFlightAtAKill::contains).count(),
                    answeredBeforeAKill.size(),
                    twice.stream().filter(answeredBeforeAKill::contains).count());
            assertThat(names(outbox)).hasSize(TASKS);
            assertThat(names(inbox)).isEmpty();
            assertThat(inFlightAtAKill).containsAll(twice);
            assertThat(twice.stream().filter(answeredBeforeAKill::contains).toList())
                    .as("answers recorded in the journal before a kill are not asked for again")
                    .isEmpty();
            for (Path result : files(outbox)) {
                assertThat(RotorHarness.read(result).path("status").asText()).isEqualTo("completed");
            }
        }
    }

    private static Process start(Path root, Path inbox, Path outbox, int run) throws IOException {
        return RotorProcess.start(
                Map.of(
                        "ROTOR_INBOX_DIR",
                        inbox.toString(),
                        "ROTOR_OUTBOX_DIR",
                        outbox.toString(),
                        "ROTOR_FAILED_DIR",
                        root.resolve("failed").toString(),
                        "ROTOR_MODELS_FILE",
                        root.resolve("models.yaml").toString(),
                        "ROTOR_INBOX_MIN_AGE",
                        "0"),
                root.resolve("rotor-" + run + ".log"));
    }

    private static int count(Path dir) {
        return names(dir).size();
    }

    private static Set<String> names(Path dir) {
        return files(dir).stream()
                .map(p -> p.getFileName().toString().replace(".json", ""))
                .collect(Collectors.toSet());
    }

    private static List<Path> files(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.getFileName().toString().endsWith(".json")
                            && !p.getFileName().toString().startsWith("."))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
