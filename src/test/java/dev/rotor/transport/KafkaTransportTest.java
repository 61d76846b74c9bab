package dev.rotor.transport;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.Scenario.ModelBehaviour;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.ResultDocs;
import dev.rotor.support.RotorHarness;
import dev.rotor.support.TestKafkaBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kafka in, Kafka out, on a real KRaft broker. */
class KafkaTransportTest {

    private static final AtomicInteger RUN = new AtomicInteger();

    @TempDir
    static Path brokerDir;

    static TestKafkaBroker broker;

    @TempDir
    Path dir;

    private final int run = RUN.incrementAndGet();
    private final String tasks = "tasks-" + run;
    private final String results = "results-" + run;
    private final String dlq = "dlq-" + run;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = new TestKafkaBroker(brokerDir);
    }

    @AfterAll
    static void stopBroker() {
        broker.close();
    }

    private RotorHarness rotorOn(SimulatorServer sim, Path root, String... models) throws Exception {
        return RotorHarness.on(
                        root, sim, models.length == 0 ? new String[] {"vendor/primary", "vendor/secondary"} : models)
                .set("rotor.intake", "kafka")
                .set("rotor.output", "kafka")
                .set("rotor.kafka.brokers", broker.bootstrap())
                .set("rotor.kafka.tasks-topic", tasks)
                .set("rotor.kafka.results-topic", results)
                .set("rotor.kafka.dead-letter-topic", dlq)
                .set("rotor.kafka.group", "rotor-" + run)
                .set("rotor.kafka.consumers", "4");
    }

    private static Map<String, String> taskRecords(String prefix, int n) {
        Map<String, String> records = new LinkedHashMap<>();
        IntStream.range(0, n)
                .forEach(i -> records.put(
                        prefix + i, "{\"id\":\"" + prefix + i + "\",\"prompt\":\"Classify item " + i + "\"}"));
        return records;
    }

    private static Set<String> ids(String prefix, int n) {
        return IntStream.range(0, n).mapToObj(i -> prefix + i).collect(Collectors.toSet());
    }

    @Test
    void shouldCompleteTwoHundredTasksFromATopicNoneLostNoneDuplicatedWithRotation() throws Exception {
        broker.createTopics(4, tasks, results, dlq);
        Scenario scenario = Scenario.builder()
                .model("vendor/primary", ModelBehaviour.limited(50, 60_000))
                .build();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor = rotorOn(sim, dir).start()) {
            long start = System.nanoTime();
            broker.send(tasks, taskRecords("k-", 200));
            List<TestKafkaBroker.Received> out = broker.read(results, 200, Duration.ofSeconds(60));
            double seconds = (System.nanoTime() - start) / 1e9;
            assertThat(out)
                    .extracting(TestKafkaBroker.Received::key)
                    .doesNotHaveDuplicates()
                    .containsExactlyInAnyOrderElementsOf(ids("k-", 200));
            assertThat(out)
                    .allSatisfy(r -> assertThat(
                                    ResultDocs.json(r.value()).path("id").asText())
                            .isEqualTo(r.key()));
            Map<String, Long> byModel = ResultDocs.servedBy(
                    out.stream().map(TestKafkaBroker.Received::value).toList());
            assertThat(byModel).containsKeys("vendor/primary", "vendor/secondary");
            assertThat(out)
                    .filteredOn(
                            r -> ResultDocs.json(r.value()).path("rotations").asInt() >= 1)
                    .isNotEmpty();
            assertThat(broker.read(results, 201, Duration.ofSeconds(2))).hasSize(200);
            System.out.printf(
                    "Kafka: 200 tasks in %.2f s from the first send (%.0f tasks/s); first to last call %.2f s (%.0f tasks/s); served by %s%n",
                    seconds,
                    200 / seconds,
                    ResultDocs.callSpan(
                            out.stream().map(TestKafkaBroker.Received::value).toList()),
                    200
                            / ResultDocs.callSpan(out.stream()
                                    .map(TestKafkaBroker.Received::value)
                                    .toList()),
                    byModel);
        }
    }

    @Test
    void shouldSendInvalidRecordsToTheDeadLetterTopicWithTheirReason() throws Exception {
        broker.createTopics(4, tasks, results, dlq);
        try (SimulatorServer sim = SimulatorServer.start(Scenario.builder().build());
                RotorHarness rotor = rotorOn(sim, dir).start()) {
            Map<String, String> input = new LinkedHashMap<>();
            input.put("bad-1", "{ this is not json");
            input.put("bad-2", "{\"id\":\"bad-2\",\"prompt\":\"p\",\"chain\":\"nope\"}");
            input.put("good", "{\"id\":\"good\",\"prompt\":\"p\"}");
            broker.send(tasks, input);
            List<TestKafkaBroker.Received> dead = broker.read(dlq, 2, Duration.ofSeconds(30));
            assertThat(dead).extracting(TestKafkaBroker.Received::key).containsExactlyInAnyOrder("bad-1", "bad-2");
            Map<String, JsonNode> byKey = dead.stream()
                    .collect(Collectors.toMap(TestKafkaBroker.Received::key, r -> ResultDocs.json(r.value())));
            // one line a record on a topic: a console consumer and jq -c tell records apart
            assertThat(dead).allSatisfy(d -> assertThat(d.value()).doesNotContain("\n"));
            assertThat(byKey.get("bad-1").path("error").path("message").asText())
                    .contains("not valid JSON");
            assertThat(byKey.get("bad-1").path("raw").asText()).isEqualTo("{ this is not json");
            assertThat(byKey.get("bad-2").path("error").path("message").asText())
                    .contains("unknown chain 'nope'");
            assertThat(broker.read(results, 1, Duration.ofSeconds(30)))
                    .extracting(TestKafkaBroker.Received::key)
                    .containsExactly("good");
        }
    }

    @Test
    void shouldParkATaskThatMustWaitLongAndCompleteItLater() throws Exception {
        broker.createTopics(1, tasks, results, dlq);
        Scenario scenario = Scenario.builder()
                .model("vendor/only", ModelBehaviour.limited(1, 4_000))
                .build();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor = rotorOn(sim, dir, "vendor/only")
                        .set("rotor.queue.max-hold", "500")
                        .start()) {
            broker.send(tasks, taskRecords("wait-", 3));
            List<TestKafkaBroker.Received> out = broker.read(results, 3, Duration.ofSeconds(40));
            assertThat(out)
                    .extracting(TestKafkaBroker.Received::key)
                    .containsExactlyInAnyOrder("wait-0", "wait-1", "wait-2");
            assertThat(out)
                    .filteredOn(
                            r -> ResultDocs.json(r.value()).path("latency_ms").asLong() >= 1_000)
                    .hasSizeGreaterThanOrEqualTo(2);
            assertThat(rotor.context()
                            .getRegistry()
                            .lookupByNameAndType(
                                    "metricsRegistry", io.micrometer.prometheusmetrics.PrometheusMeterRegistry.class)
                            .scrape())
                    .contains("rotor_transport_parked_total{transport=\"kafka\"}");
        }
    }

    @Test
    void shouldCompleteEveryTaskAfterACrashWithTasksInFlight() throws Exception {
        broker.createTopics(4, tasks, results, dlq);
        Scenario scenario = Scenario.builder().latencyMs(40).build();
        int inFlightAtCrash;
        try (SimulatorServer sim = SimulatorServer.start(scenario)) {
            RotorHarness first = rotorOn(sim, dir.resolve("first"))
                    .set("camel.main.shutdown-timeout", "1")
                    .start();
            broker.send(tasks, taskRecords("crash-", 200));
            broker.read(results, 40, Duration.ofSeconds(30));
            inFlightAtCrash = first.context()
                    .getRegistry()
                    .lookupByNameAndType("transports", TransportMetrics.class)
                    .inFlight("kafka");
            first.context().getShutdownStrategy().setShutdownNowOnTimeout(true);
            first.close();
            try (RotorHarness second = rotorOn(sim, dir.resolve("second")).start()) {
                List<TestKafkaBroker.Received> all = broker.readUntil(
                        results,
                        got -> got.stream()
                                        .map(TestKafkaBroker.Received::key)
                                        .distinct()
                                        .count()
                                >= 200,
                        Duration.ofSeconds(60));
                Map<String, Long> perTask = all.stream()
                        .collect(Collectors.groupingBy(TestKafkaBroker.Received::key, Collectors.counting()));
                assertThat(perTask.keySet()).isEqualTo(ids("crash-", 200));
                List<TestKafkaBroker.Received> settled = broker.read(results, Integer.MAX_VALUE, Duration.ofSeconds(3));
                long duplicates = settled.size() - 200;
                System.out.printf(
                        "Kafka crash: %d results for 200 tasks, %d duplicates, %d in flight at the crash%n",
                        settled.size(), duplicates, inFlightAtCrash);
                assertThat(settled)
                        .allSatisfy(r -> assertThat(
                                        ResultDocs.json(r.value()).path("id").asText())
                                .isEqualTo(r.key()));
                // replayed only what had not been committed: at most a poll's worth (5) per consumer (4)
                assertThat(duplicates).isLessThanOrEqualTo(4L * 5);
            }
        }
    }

    @Test
    void shouldShareATopicBetweenTwoInstancesInOneConsumerGroup() throws Exception {
        broker.createTopics(4, tasks, results, dlq);
        Scenario scenario = Scenario.builder().latencyMs(5).build();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness one = rotorOn(sim, dir.resolve("one"))
                        .set("rotor.kafka.consumers", "2")
                        .start();
                RotorHarness two = rotorOn(sim, dir.resolve("two"))
                        .set("rotor.kafka.consumers", "2")
                        .start()) {
            // the group must have spread its 4 partitions over all 4 consumers before work arrives,
            // or the first instance may finish everything during the rebalance
            Awaitility.await()
                    .atMost(Duration.ofSeconds(60))
                    .ignoreExceptions()
                    .until(() -> broker.membersWithPartitions("rotor-" + run) == 4);
            broker.send(tasks, taskRecords("shared-", 200));
            List<TestKafkaBroker.Received> out = broker.read(results, 200, Duration.ofSeconds(60));
            assertThat(out)
                    .extracting(TestKafkaBroker.Received::key)
                    .containsExactlyInAnyOrderElementsOf(ids("shared-", 200));
            int byOne = one.ledger().count();
            int byTwo = two.ledger().count();
            System.out.printf("Kafka group: instance one completed %d, instance two %d%n", byOne, byTwo);
            assertThat(byOne).isPositive();
            assertThat(byTwo).isPositive();
            assertThat(byOne + byTwo).isEqualTo(200);
        }
    }
}
