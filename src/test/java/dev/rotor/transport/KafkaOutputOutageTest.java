package dev.rotor.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.output.Deliveries;
import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.RotorHarness;
import dev.rotor.support.TestKafkaBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files in, Kafka out, and the broker goes away mid-run: the answers wait for it, no model is called twice. */
class KafkaOutputOutageTest {

    private static final int TASKS = 24;

    @TempDir
    Path dir;

    @Test
    void shouldDeliverEveryResultOnceTheBrokerIsBackWithOneModelCallPerTask() throws Exception {
        Scenario scenario =
                Scenario.builder().latencyMs(150).serveUnknownModels(true).build();
        try (TestKafkaBroker broker = new TestKafkaBroker(dir.resolve("broker"));
                SimulatorServer sim = SimulatorServer.start(scenario)) {
            broker.createTopics(2, "results", "dlq");
            try (RotorHarness rotor = RotorHarness.on(dir.resolve("rotor"), sim, "vendor/model")
                    .set("rotor.output", "kafka")
                    .set("rotor.kafka.brokers", broker.bootstrap())
                    .set("rotor.kafka.results-topic", "results")
                    .set("rotor.kafka.dead-letter-topic", "dlq")
                    .set("rotor.concurrency", "4")
                    // the producer gives up on a send after 3 s instead of 2 minutes, so Rotor's own resend is what
                    // carries the results over the outage
                    .set("camel.component.kafka.delivery-timeout-ms", "3000")
                    .set("camel.component.kafka.request-timeout-ms", "1000")
                    .set("camel.component.kafka.max-block-ms", "2000")
                    .start()) {
                Deliveries deliveries =
                        rotor.context().getRegistry().lookupByNameAndType("deliveries", Deliveries.class);
                IntStream.range(0, TASKS).forEach(i -> rotor.dropTask("k" + i));
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> rotor.ledger().count() >= 4);

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
                List<TestKafkaBroker.Received> results = broker.readUntil(
                        "results",
                        got -> got.stream()
                                        .map(TestKafkaBroker.Received::key)
                                        .distinct()
                                        .count()
                                >= TASKS,
                        Duration.ofSeconds(30));
                Set<String> ids =
                        results.stream().map(TestKafkaBroker.Received::key).collect(Collectors.toSet());
                assertThat(ids).hasSize(TASKS);
                assertThat(rotor.files(rotor.inbox())).isEmpty();
                assertThat(deliveries.undelivered()).isZero();
            }
        }
    }
}
