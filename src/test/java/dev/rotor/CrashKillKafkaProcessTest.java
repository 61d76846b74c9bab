package dev.rotor;

import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.CrashRuns;
import dev.rotor.support.RotorHarness;
import dev.rotor.support.RotorProcess;
import dev.rotor.support.TestKafkaBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 at random moments while Rotor works through a Kafka topic, restarting each time. A record processed but not
 * yet committed comes back after a kill; one whose answer is in the journal completes from it, so a model is called
 * again only for a task that was in flight at a kill with no answer yet. CI runs 300 tasks and 2 kills; the long
 * version is {@code mvn -B verify -Dtest=CrashKillKafkaProcessTest -Drotor.crash.tasks=2000 -Drotor.crash.kills=5}.
 */
class CrashKillKafkaProcessTest {

    private static final int TASKS = Integer.getInteger("rotor.crash.tasks", 300);
    private static final int KILLS = Integer.getInteger("rotor.crash.kills", 2);

    @TempDir
    Path dir;

    @Test
    void shouldCallAModelAgainOnlyForTasksInFlightWithNoAnswerAtAKill() throws Exception {
        try (SimulatorServer sim =
                        SimulatorServer.start(Scenario.builder().latencyMs(60).build());
                TestKafkaBroker broker = new TestKafkaBroker(dir.resolve("kafka"))) {
            Files.writeString(dir.resolve("models.yaml"), RotorHarness.modelsYaml(sim, Map.of(), "vendor/primary"));
            broker.createTopics(2, "crash-tasks", "crash-results", "crash-dlq");
            Map<String, String> tasks = new LinkedHashMap<>();
            for (int i = 0; i < TASKS; i++) {
                tasks.put(CrashRuns.id(i), CrashRuns.task(CrashRuns.id(i)));
            }
            broker.send("crash-tasks", tasks);

            Set<String> results = ConcurrentHashMap.newKeySet();
            AtomicInteger produced = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            Thread reader = new Thread(
                    () -> {
                        int[] seen = {0};
                        broker.readUntil(
                                "crash-results",
                                got -> {
                                    for (; seen[0] < got.size(); seen[0]++) {
                                        results.add(got.get(seen[0]).key());
                                        produced.incrementAndGet();
                                    }
                                    return stop.get();
                                },
                                Duration.ofMinutes(15));
                    },
                    "results-reader");
            reader.start();
            CrashRuns.Outcome outcome =
                    CrashRuns.run(TASKS, KILLS, TASKS * 17L + KILLS, sim, run -> start(broker, run), () -> results);
            stop.set(true);
            reader.join();

            outcome.check("Kafka", TASKS, KILLS, produced.get(), results);
        }
    }

    private Process start(TestKafkaBroker broker, int run) {
        try {
            return RotorProcess.start(
                    Map.of(
                            "ROTOR_INTAKE",
                            "kafka",
                            "ROTOR_OUTPUT",
                            "kafka",
                            "ROTOR_KAFKA_BROKERS",
                            broker.bootstrap(),
                            "ROTOR_KAFKA_TASKS_TOPIC",
                            "crash-tasks",
                            "ROTOR_KAFKA_RESULTS_TOPIC",
                            "crash-results",
                            "ROTOR_KAFKA_DEAD_LETTER_TOPIC",
                            "crash-dlq",
                            "ROTOR_KAFKA_CONSUMERS",
                            "2",
                            "ROTOR_MODELS_FILE",
                            dir.resolve("models.yaml").toString(),
                            // the killed consumer's partitions go to the next one after 6 s, not the default 45 s
                            "CAMEL_COMPONENT_KAFKA_SESSION_TIMEOUT_MS",
                            "6000"),
                    dir.resolve("rotor-" + run + ".log"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
