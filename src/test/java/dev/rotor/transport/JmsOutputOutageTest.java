package dev.rotor.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.output.Deliveries;
import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.RotorHarness;
import dev.rotor.support.TestJmsBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files in, JMS out, and the broker goes away mid-run: the answers wait for it, no model is called twice. */
class JmsOutputOutageTest {

    private static final int TASKS = 24;

    @TempDir
    Path dir;

    @Test
    void shouldDeliverEveryResultOnceTheBrokerIsBackWithOneModelCallPerTask() throws Exception {
        Scenario scenario =
                Scenario.builder().latencyMs(150).serveUnknownModels(true).build();
        try (TestJmsBroker broker = new TestJmsBroker(dir.resolve("broker"));
                SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor = RotorHarness.on(dir.resolve("rotor"), sim, "vendor/model")
                        .set("rotor.output", "jms")
                        .set("rotor.jms.broker-url", broker.url())
                        .set("rotor.concurrency", "4")
                        .start()) {
            Deliveries deliveries = rotor.context().getRegistry().lookupByNameAndType("deliveries", Deliveries.class);
            IntStream.range(0, TASKS).forEach(i -> rotor.dropTask("j" + i));
            await().atMost(Duration.ofSeconds(30)).until(() -> rotor.ledger().count() >= 4);

            broker.stop();
            await().atMost(Duration.ofSeconds(60))
                    .alias("every task answered while the broker is away")
                    .until(() -> sim.calls().size() >= TASKS);
            await().atMost(Duration.ofSeconds(30))
                    .alias("a send refused and held")
                    .until(() -> deliveries.undelivered() > 0);
            assertThat(rotor.ledger().count()).isLessThan(TASKS);

            broker.start();
            rotor.awaitEnded(TASKS, Duration.ofSeconds(60));

            Map<String, Long> callsPerTask = sim.calls().stream()
                    .collect(Collectors.groupingBy(SimulatorServer.Call::prompt, Collectors.counting()));
            assertThat(callsPerTask)
                    .hasSize(TASKS)
                    .allSatisfy((prompt, n) -> assertThat(n).as(prompt).isEqualTo(1));
            Set<String> delivered = broker.drain("rotor.results", Duration.ofSeconds(2)).stream()
                    .map(TestJmsBroker.Received::correlationId)
                    .collect(Collectors.toSet());
            assertThat(delivered).hasSize(TASKS);
            assertThat(rotor.files(rotor.inbox())).isEmpty();
            assertThat(deliveries.undelivered()).isZero();
        }
    }
}
