package dev.rotor.transport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.Scenario.ModelBehaviour;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.FreePorts;
import dev.rotor.support.ResultDocs;
import dev.rotor.support.RotorHarness;
import dev.rotor.support.TestJmsBroker;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** JMS in, JMS out, on a real Artemis broker. */
class JmsTransportTest {

    private static final String TASKS = "rotor.tasks";
    private static final String RESULTS = "rotor.results";
    private static final String DLQ = "rotor.tasks.DLQ";

    @TempDir
    static Path brokerDir;

    static TestJmsBroker broker;

    @TempDir
    Path dir;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = new TestJmsBroker(brokerDir);
    }

    @AfterAll
    static void stopBroker() throws Exception {
        broker.close();
    }

    private RotorHarness rotorOn(SimulatorServer sim, Path root) {
        return RotorHarness.on(root, sim, "vendor/primary", "vendor/secondary")
                .set("rotor.intake", "jms")
                .set("rotor.output", "jms")
                .set("rotor.jms.broker-url", broker.url());
    }

    private static List<String> tasks(String prefix, int n) {
        return IntStream.range(0, n)
                .mapToObj(i -> "{\"id\":\"" + prefix + i + "\",\"prompt\":\"Summarise item " + i + "\"}")
                .toList();
    }

    @Test
    void shouldCompleteTwoHundredTasksFromAQueueNoneLostNoneDuplicatedWithRotation() throws Exception {
        Scenario scenario = Scenario.builder()
                .model("vendor/primary", ModelBehaviour.limited(50, 60_000))
                .build();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor = rotorOn(sim, dir).start()) {
            long start = System.nanoTime();
            broker.send(TASKS, tasks("jms-", 200));
            List<TestJmsBroker.Received> results = broker.take(RESULTS, 200, Duration.ofSeconds(60));
            double seconds = (System.nanoTime() - start) / 1e9;
            assertThat(results).hasSize(200);
            assertThat(results)
                    .extracting(TestJmsBroker.Received::correlationId)
                    .doesNotHaveDuplicates()
                    .containsExactlyInAnyOrderElementsOf(
                            IntStream.range(0, 200).mapToObj(i -> "jms-" + i).toList());
            assertThat(results).allSatisfy(r -> {
                JsonNode doc = ResultDocs.json(r.text());
                assertThat(doc.path("id").asText()).isEqualTo(r.correlationId());
                assertThat(doc.path("status").asText()).isEqualTo("completed");
            });
            Map<String, Long> byModel = ResultDocs.servedBy(
                    results.stream().map(TestJmsBroker.Received::text).toList());
            assertThat(byModel).containsKeys("vendor/primary", "vendor/secondary");
            assertThat(results)
                    .filteredOn(r -> ResultDocs.json(r.text()).path("rotations").asInt() >= 1)
                    .isNotEmpty();
            assertThat(broker.drain(RESULTS, Duration.ofMillis(500))).isEmpty();
            assertThat(rotor.context()
                            .getRegistry()
                            .lookupByNameAndType("transports", TransportMetrics.class)
                            .inFlight("jms"))
                    .isZero();
            System.out.printf(
                    "JMS: 200 tasks in %.2f s from the first send (%.0f tasks/s); first to last call %.2f s (%.0f tasks/s); served by %s%n",
                    seconds,
                    200 / seconds,
                    ResultDocs.callSpan(
                            results.stream().map(TestJmsBroker.Received::text).toList()),
                    200
                            / ResultDocs.callSpan(results.stream()
                                    .map(TestJmsBroker.Received::text)
                                    .toList()),
                    byModel);
        }
    }

    @Test
    void shouldSendInvalidMessagesToTheDeadLetterQueueWithTheirReason() throws Exception {
        try (SimulatorServer sim = SimulatorServer.start(Scenario.builder().build());
                RotorHarness rotor = rotorOn(sim, dir).start()) {
            broker.send(TASKS, List.of("not json", "{\"id\":\"no-prompt\"}", "{\"id\":\"fine\",\"prompt\":\"p\"}"));
            List<TestJmsBroker.Received> dead = broker.take(DLQ, 2, Duration.ofSeconds(20));
            List<TestJmsBroker.Received> ok = broker.take(RESULTS, 1, Duration.ofSeconds(20));
            assertThat(ok).extracting(TestJmsBroker.Received::correlationId).containsExactly("fine");
            // one line a document on a queue: line tools tell messages apart
            assertThat(ok.get(0).text()).doesNotContain("\n");
            assertThat(dead).allSatisfy(d -> assertThat(d.text()).doesNotContain("\n"));
            Map<String, JsonNode> byId = dead.stream()
                    .collect(Collectors.toMap(TestJmsBroker.Received::correlationId, r -> ResultDocs.json(r.text())));
            assertThat(byId.get("no-prompt").path("error").path("message").asText())
                    .contains("neither 'prompt' nor 'messages'");
            JsonNode notJson = byId.values().stream()
                    .filter(d -> d.path("error").path("message").asText().contains("not valid JSON"))
                    .findFirst()
                    .orElseThrow();
            assertThat(notJson.path("error").path("type").asText()).isEqualTo("invalid_task");
            assertThat(notJson.path("raw").asText()).isEqualTo("not json");
        }
    }

    @Test
    void shouldParkATaskThatMustWaitLongOnTheQueueInsteadOfHoldingAConsumer() throws Exception {
        Scenario scenario = Scenario.builder()
                .model("vendor/only", ModelBehaviour.limited(1, 6_000))
                .build();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor = RotorHarness.on(dir, sim, "vendor/only")
                        .set("rotor.intake", "jms")
                        .set("rotor.output", "jms")
                        .set("rotor.jms.broker-url", broker.url())
                        .set("rotor.queue.max-hold", "500")
                        .start()) {
            broker.send(TASKS, tasks("parked-", 3));
            List<TestJmsBroker.Received> results = broker.take(RESULTS, 3, Duration.ofSeconds(30));
            assertThat(results)
                    .extracting(TestJmsBroker.Received::correlationId)
                    .containsExactlyInAnyOrder("parked-0", "parked-1", "parked-2");
            // two of them waited for the model's window to reset, on the queue, and kept their start time
            assertThat(results)
                    .filteredOn(r -> r.deliveryCount() == 1
                            && ResultDocs.json(r.text()).path("latency_ms").asLong() >= 500)
                    .hasSizeGreaterThanOrEqualTo(2);
            String metrics = rotor.context()
                    .getRegistry()
                    .lookupByNameAndType(
                            "metricsRegistry", io.micrometer.prometheusmetrics.PrometheusMeterRegistry.class)
                    .scrape();
            assertThat(metrics)
                    .contains("rotor_transport_parked_total{transport=\"jms\"}")
                    .contains("rotor_transport_completed_total{transport=\"jms\"} 3.0");
            // parked, not hammering: at most one 429 for each task before its window reset
            assertThat(sim.calls().stream()
                            .filter(c -> c.answer().startsWith("429"))
                            .count())
                    .isLessThanOrEqualTo(3);
        }
    }

    @Test
    void shouldHoldNoMoreMessagesThanItsConsumersWorkOn() throws Exception {
        String queue = "rotor.tasks.window";
        String results = "rotor.results.window";
        Scenario scenario = Scenario.builder()
                .latencyMs(400)
                .model("vendor/primary", ModelBehaviour.unlimited())
                .build();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor = rotorOn(sim, dir)
                        .set("rotor.jms.tasks-queue", queue)
                        .set("rotor.jms.results-queue", results)
                        .set("rotor.jms.concurrent-consumers", "2")
                        .start()) {
            broker.send(queue, tasks("window-", 20));
            await().atMost(Duration.ofSeconds(20)).until(() -> sim.calls().size() >= 2);

            // the other 18 wait on the broker, for any consumer, and a crash here would count against none of them
            assertThat(broker.delivering(queue)).isLessThanOrEqualTo(2);
            assertThat(broker.take(results, 20, Duration.ofSeconds(30))).hasSize(20);
        }
    }

    @Test
    void shouldTakeTasksFromTheInboxAndTheQueueAtOnce() throws Exception {
        try (SimulatorServer sim = SimulatorServer.start(Scenario.builder().build());
                RotorHarness rotor =
                        rotorOn(sim, dir).set("rotor.intake", "file, jms").start()) {
            rotor.dropTask("from-a-file");
            broker.send(TASKS, List.of("{\"id\":\"from-a-message\",\"prompt\":\"p\"}"));
            assertThat(broker.take(RESULTS, 2, Duration.ofSeconds(20)))
                    .extracting(TestJmsBroker.Received::correlationId)
                    .containsExactlyInAnyOrder("from-a-file", "from-a-message");
            // the file leaves the inbox once its exchange completes, just after its result was sent
            Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> rotor.files(rotor.inbox().resolve(".done")).size() == 1);
        }
    }

    @Test
    void shouldStartItsOwnBrokerWhenAskedTo() throws Exception {
        int port = FreePorts.next();
        String url = "tcp://127.0.0.1:" + port;
        try (SimulatorServer sim = SimulatorServer.start(Scenario.builder().build());
                RotorHarness rotor = RotorHarness.on(dir, sim, "vendor/primary")
                        .set("rotor.intake", "jms")
                        .set("rotor.output", "jms")
                        .set("rotor.jms.broker-url", url)
                        .set("rotor.jms.embedded", "true")
                        .set(
                                "rotor.jms.embedded-data-dir",
                                dir.resolve("artemis").toString())
                        .start();
                var client = new ActiveMQConnectionFactory(url).createContext()) {
            client.createProducer().send(client.createQueue(TASKS), "{\"id\":\"own-broker\",\"prompt\":\"p\"}");
            jakarta.jms.Message m =
                    client.createConsumer(client.createQueue(RESULTS)).receive(20_000);
            assertThat(m).isNotNull();
            assertThat(m.getJMSCorrelationID()).isEqualTo("own-broker");
            assertThat(dir.resolve("artemis").resolve("journal")).isDirectory();
        }
    }

    @Test
    void shouldKeepInItsOwnBrokerATaskThatKeepsRollingBackAndOneThatExpired() throws Exception {
        int port = FreePorts.next();
        String url = "tcp://127.0.0.1:" + port;
        // Rotor's broker, with Rotor sending results to it but not taking tasks: this client plays the consumer
        try (SimulatorServer sim = SimulatorServer.start(Scenario.builder().build());
                RotorHarness rotor = RotorHarness.on(dir, sim, "vendor/primary")
                        .set("rotor.intake", "file")
                        .set("rotor.output", "jms")
                        .set("rotor.jms.broker-url", url)
                        .set("rotor.jms.embedded", "true")
                        .set(
                                "rotor.jms.embedded-data-dir",
                                dir.resolve("artemis").toString())
                        .start();
                var client =
                        new ActiveMQConnectionFactory(url).createContext(jakarta.jms.JMSContext.SESSION_TRANSACTED)) {
            client.createProducer().send(client.createQueue(TASKS), "{\"id\":\"poison\",\"prompt\":\"p\"}");
            client.commit();
            jakarta.jms.JMSConsumer tasks = client.createConsumer(client.createQueue(TASKS));
            int deliveries = 0;
            jakarta.jms.Message m;
            while ((m = tasks.receive(2_000)) != null) {
                deliveries++;
                client.rollback();
            }
            assertThat(deliveries).as("the broker's delivery attempts").isEqualTo(10);
            jakarta.jms.Message dead =
                    client.createConsumer(client.createQueue(DLQ)).receive(5_000);
            assertThat(dead).as("not dropped: in the dead-letter queue").isNotNull();
            assertThat(dead.getBody(String.class)).contains("poison");
            client.commit();

            client.createProducer()
                    .setTimeToLive(1)
                    .send(client.createQueue(TASKS), "{\"id\":\"stale\",\"prompt\":\"p\"}");
            client.commit();
            jakarta.jms.JMSConsumer expiredTasks =
                    client.createConsumer(client.createQueue(EmbeddedBroker.expiryQueue(TASKS)));
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                // a delivery attempt is when the broker finds the message expired
                assertThat(tasks.receive(100)).isNull();
                jakarta.jms.Message expired = expiredTasks.receive(200);
                return expired != null && expired.getBody(String.class).contains("stale");
            });
        }
    }

    @Test
    void shouldCompleteEveryTaskAfterACrashWithTasksInFlight() throws Exception {
        Scenario scenario = Scenario.builder().latencyMs(40).build();
        List<TestJmsBroker.Received> results = new ArrayList<>();
        int inFlightAtCrash;
        try (SimulatorServer sim = SimulatorServer.start(scenario)) {
            RotorHarness first = rotorOn(sim, dir.resolve("first"))
                    .set("camel.main.shutdown-timeout", "1")
                    .start();
            broker.send(TASKS, tasks("crash-", 200));
            results.addAll(broker.take(RESULTS, 40, Duration.ofSeconds(30)));
            TransportMetrics gate =
                    first.context().getRegistry().lookupByNameAndType("transports", TransportMetrics.class);
            inFlightAtCrash = gate.inFlight("jms");
            first.context().getShutdownStrategy().setShutdownNowOnTimeout(true);
            first.close();
            System.out.println("JMS crash: after the first instance stopped: " + broker.queueState(TASKS));
            try (RotorHarness second = rotorOn(sim, dir.resolve("second")).start()) {
                results.addAll(broker.take(RESULTS, 200 - results.size(), Duration.ofSeconds(60)));
                results.addAll(broker.drain(RESULTS, Duration.ofSeconds(1)));
            }
        }
        Map<String, Long> perTask = results.stream()
                .collect(Collectors.groupingBy(TestJmsBroker.Received::correlationId, Collectors.counting()));
        Set<String> expected =
                IntStream.range(0, 200).mapToObj(i -> "crash-" + i).collect(Collectors.toSet());
        System.out.printf(
                "JMS crash: %d results, %d distinct, %d in flight at the crash, missing %s%n",
                results.size(),
                perTask.size(),
                inFlightAtCrash,
                expected.stream()
                        .filter(id -> !perTask.containsKey(id))
                        .sorted()
                        .toList());
        assertThat(perTask.keySet()).isEqualTo(expected);
        long duplicates = results.size() - 200;
        assertThat(duplicates).isLessThanOrEqualTo(inFlightAtCrash);
        assertThat(results)
                .allSatisfy(r -> assertThat(ResultDocs.json(r.text()).path("id").asText())
                        .isEqualTo(r.correlationId()));
        System.out.printf(
                "JMS crash: %d results for 200 tasks, %d duplicates, %d tasks in flight at the crash%n",
                results.size(), duplicates, inFlightAtCrash);
    }
}
