package dev.rotor;

import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.CrashRuns;
import dev.rotor.support.RotorHarness;
import dev.rotor.support.RotorProcess;
import dev.rotor.support.TestJmsBroker;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * kill -9 at random moments while Rotor works through a JMS queue on an Artemis broker outside it, restarting each
 * time. A task's message is acknowledged in the transaction that sends its result, so a kill rolls both back and the
 * broker redelivers the message; one whose answer is in the journal completes from it. CI runs 300 tasks and 2 kills;
 * the long version is {@code mvn -B verify -Dtest=CrashKillJmsProcessTest -Drotor.crash.tasks=2000
 * -Drotor.crash.kills=5}.
 */
class CrashKillJmsProcessTest {

    private static final int TASKS = Integer.getInteger("rotor.crash.tasks", 300);
    private static final int KILLS = Integer.getInteger("rotor.crash.kills", 2);

    @TempDir
    Path dir;

    @Test
    void shouldCallAModelAgainOnlyForTasksInFlightWithNoAnswerAtAKill() throws Exception {
        try (SimulatorServer sim =
                        SimulatorServer.start(Scenario.builder().latencyMs(60).build());
                TestJmsBroker broker = new TestJmsBroker(dir.resolve("artemis"))) {
            Files.writeString(dir.resolve("models.yaml"), RotorHarness.modelsYaml(sim, Map.of(), "vendor/primary"));
            List<String> tasks = new ArrayList<>();
            for (int i = 0; i < TASKS; i++) {
                tasks.add(CrashRuns.task(CrashRuns.id(i)));
            }
            broker.send("crash.tasks", tasks);

            Set<String> results = ConcurrentHashMap.newKeySet();
            AtomicInteger produced = new AtomicInteger();
            AtomicBoolean stop = new AtomicBoolean();
            Thread reader = new Thread(
                    () -> {
                        while (!stop.get()) {
                            try {
                                for (TestJmsBroker.Received r :
                                        broker.take("crash.results", 100, Duration.ofMillis(200))) {
                                    results.add(r.correlationId());
                                    produced.incrementAndGet();
                                }
                            } catch (Exception closedUnderLoad) {
                                // the broker closed this reader's consumer (a busy machine): its unacknowledged
                                // messages come
                                // back to the next one
                            }
                        }
                    },
                    "results-reader");
            reader.start();
            CrashRuns.Outcome outcome =
                    CrashRuns.run(TASKS, KILLS, TASKS * 13L + KILLS, sim, run -> start(broker, run), () -> results);
            stop.set(true);
            reader.join();

            outcome.check("JMS", TASKS, KILLS, produced.get(), results);
        }
    }

    private Process start(TestJmsBroker broker, int run) {
        try {
            return RotorProcess.start(
                    Map.of(
                            "ROTOR_INTAKE",
                            "jms",
                            "ROTOR_OUTPUT",
                            "jms",
                            "ROTOR_JMS_BROKER_URL",
                            broker.url(),
                            "ROTOR_JMS_TASKS_QUEUE",
                            "crash.tasks",
                            "ROTOR_JMS_RESULTS_QUEUE",
                            "crash.results",
                            "ROTOR_JMS_DEAD_LETTER_QUEUE",
                            "crash.dlq",
                            "ROTOR_MODELS_FILE",
                            dir.resolve("models.yaml").toString()),
                    dir.resolve("rotor-" + run + ".log"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
