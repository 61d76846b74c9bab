package dev.rotor.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.ConfigurationMistake;
import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.Scenario.ModelBehaviour;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.FreePorts;
import dev.rotor.support.OtlpReceiver;
import dev.rotor.support.RotorHarness;
import dev.rotor.support.TestJmsBroker;
import dev.rotor.support.TestKafkaBroker;
import dev.rotor.support.Waterfall;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.proto.trace.v1.Span.SpanKind;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Traces as a collector receives them: a real OTLP/HTTP receiver decodes what Rotor exports. A task that rotates once,
 * through file, Kafka and the gateway, arrives as one trace: the task's span, a client span per model call on the GenAI
 * conventions, the rotation as an event, the caller's trace kept.
 */
class TracingRouteTest {

    private static final String PRIMARY = "vendor/primary";
    private static final String SECONDARY = "vendor/secondary";
    /** A caller's context: W3C trace-context, version 00, sampled. */
    private static final String CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

    private static final String CALLER_SPAN = "00f067aa0ba902b7";
    private static final String TRACEPARENT = "00-" + CALLER_TRACE + "-" + CALLER_SPAN + "-01";

    @TempDir
    static Path brokerDir;

    static TestKafkaBroker broker;

    @TempDir
    static Path jmsDir;

    static TestJmsBroker jms;

    @TempDir
    Path dir;

    @BeforeAll
    static void startBroker() throws Exception {
        broker = new TestKafkaBroker(brokerDir);
        jms = new TestJmsBroker(jmsDir);
    }

    @AfterAll
    static void stopBroker() throws Exception {
        broker.close();
        jms.close();
    }

    /** The first model answers 429 once: the first task rotates to the second. */
    private static Scenario rotatesOnce() {
        return Scenario.builder()
                .model(PRIMARY, ModelBehaviour.unlimited().withScript("429"))
                .model(SECONDARY, ModelBehaviour.unlimited())
                .build();
    }

    /** Tracing switched on the usual way, by naming an OTLP endpoint; spans exported at once rather than every 5 s. */
    private static RotorHarness traced(RotorHarness rotor, OtlpReceiver receiver) {
        return rotor.set("otel.exporter.otlp.endpoint", receiver.endpoint()).set("otel.bsp.schedule.delay", "50");
    }

    /** Waits for the task's span and both call spans, and returns the task's trace. */
    private static List<OtlpReceiver.Received> awaitTrace(OtlpReceiver receiver, String taskId) {
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .until(() -> receiver.spans().stream()
                        .anyMatch(s -> s.name().equals("rotor.task")
                                && taskId.equals(s.attributes().get("rotor.task.id"))
                                && receiver.trace(s.traceId()).stream()
                                                .filter(c -> c.name().startsWith("chat "))
                                                .count()
                                        == 2));
        OtlpReceiver.Received task = taskSpan(receiver, taskId);
        return receiver.trace(task.traceId());
    }

    private static OtlpReceiver.Received taskSpan(OtlpReceiver receiver, String taskId) {
        return receiver.spans().stream()
                .filter(s -> s.name().equals("rotor.task")
                        && taskId.equals(s.attributes().get("rotor.task.id")))
                .findFirst()
                .orElseThrow();
    }

    /** What every rotated-once trace shows, whatever its transport. */
    private static void assertRotatedOnce(List<OtlpReceiver.Received> trace, OtlpReceiver.Received task) {
        assertThat(task.service()).isEqualTo("rotor");
        assertThat(task.attributes())
                .containsEntry("rotor.chain", List.of(PRIMARY, SECONDARY))
                .containsEntry("rotor.outcome", "completed")
                .containsEntry("rotor.rotations", 1L);
        assertThat(task.events()).contains("rotor.rotation");
        assertThat(task.event("rotor.rotation"))
                .containsEntry("rotor.rotation.from", PRIMARY)
                .containsEntry("rotor.rotation.to", SECONDARY);
        assertThat(task.event("rotor.rotation").get("rotor.rotation.reason").toString())
                .contains("rate_limited");

        OtlpReceiver.Received refused = call(trace, PRIMARY);
        OtlpReceiver.Received answered = call(trace, SECONDARY);
        for (OtlpReceiver.Received call : List.of(refused, answered)) {
            assertThat(call.span().getKind()).isEqualTo(SpanKind.SPAN_KIND_CLIENT);
            assertThat(call.parentId()).isEqualTo(task.spanId());
            assertThat(call.attributes())
                    .containsEntry("gen_ai.operation.name", "chat")
                    .containsEntry("gen_ai.provider.name", "openrouter")
                    .containsEntry("http.request.method", "POST")
                    .containsEntry("server.address", "127.0.0.1")
                    .containsKey("server.port")
                    .containsKey("url.full")
                    .containsEntry("gen_ai.request.max_tokens", 64L)
                    .containsKey("rotor.wait_ms")
                    .doesNotContainKeys("gen_ai.input.messages", "gen_ai.output.messages");
        }
        assertThat(refused.attributes())
                .containsEntry("gen_ai.request.model", PRIMARY)
                .containsEntry("error.type", "rate_limited")
                .containsEntry("http.response.status_code", 429L)
                .containsEntry("rotor.attempt", 1L)
                .containsEntry("rotor.outcome", "rate_limited")
                .containsKey("rotor.cooldown_until");
        assertThat(answered.attributes())
                .containsEntry("gen_ai.request.model", SECONDARY)
                .containsEntry("http.response.status_code", 200L)
                .containsEntry("rotor.attempt", 2L)
                .containsEntry("gen_ai.response.finish_reasons", List.of("stop"))
                .containsKey("gen_ai.response.model")
                .containsKey("rotor.rotation.reason")
                .doesNotContainKey("error.type");
        assertThat((Long) answered.attributes().get("gen_ai.usage.input_tokens"))
                .isPositive();
        assertThat((Long) answered.attributes().get("gen_ai.usage.output_tokens"))
                .isPositive();
        // the second call's span comes after the first's, as the waterfall draws them
        assertThat(answered.span().getStartTimeUnixNano())
                .isGreaterThanOrEqualTo(refused.span().getEndTimeUnixNano());
    }

    private static OtlpReceiver.Received call(List<OtlpReceiver.Received> trace, String model) {
        return trace.stream()
                .filter(s -> s.name().equals("chat " + model))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void shouldTraceAFileTaskThatRotatesOnceAsOneTraceWithAClientSpanPerCall() throws Exception {
        try (OtlpReceiver receiver = new OtlpReceiver();
                SimulatorServer sim = SimulatorServer.start(rotatesOnce());
                RotorHarness rotor = traced(RotorHarness.on(dir, sim, PRIMARY, SECONDARY), receiver)
                        .start()) {
            rotor.drop("file-1.json", "{\"id\":\"file-1\",\"prompt\":\"Name a colour\",\"max_tokens\":64}");
            List<OtlpReceiver.Received> trace = awaitTrace(receiver, "file-1");
            OtlpReceiver.Received task = taskSpan(receiver, "file-1");
            System.out.println("one file task's trace:\n" + Waterfall.of(trace));
            // a file carries no context: the task's span is the trace's root
            assertThat(task.parentId()).isEmpty();
            assertThat(task.span().getKind()).isEqualTo(SpanKind.SPAN_KIND_INTERNAL);
            assertThat(task.attributes()).containsEntry("rotor.transport", "file");
            assertRotatedOnce(trace, task);
            // each call told its provider where it belongs (flags aside: a new trace's id is marked random)
            assertThat(sim.calls())
                    .extracting(c -> c.traceparent().substring(0, 52))
                    .containsExactly(
                            "00-" + task.traceId() + "-" + call(trace, PRIMARY).spanId(),
                            "00-" + task.traceId() + "-"
                                    + call(trace, SECONDARY).spanId());
            assertThat(receiver.everything())
                    .doesNotContain(RotorHarness.DEFAULT_KEY)
                    .doesNotContain("Name a colour");
            String scrape = rotor.context()
                    .getRegistry()
                    .lookupByNameAndType("metricsRegistry", PrometheusMeterRegistry.class)
                    .scrape();
            assertThat(scrape)
                    .contains("gen_ai_client_operation_duration_seconds_bucket{error_type=\"rate_limited\","
                            + "gen_ai_operation_name=\"chat\",gen_ai_provider_name=\"openrouter\",gen_ai_request_model=\""
                            + PRIMARY + "\"");
            assertThat(scrape)
                    .contains("gen_ai_client_token_usage_count{gen_ai_operation_name=\"chat\","
                            + "gen_ai_provider_name=\"openrouter\",gen_ai_request_model=\"" + SECONDARY + "\"");
        }
    }

    @Test
    void shouldContinueTheTraceAKafkaRecordCarriesAndCarryItOnToTheResult() throws Exception {
        broker.createTopics(1, "traced-tasks", "traced-results", "traced-dlq");
        try (OtlpReceiver receiver = new OtlpReceiver();
                SimulatorServer sim = SimulatorServer.start(rotatesOnce());
                RotorHarness rotor = traced(RotorHarness.on(dir, sim, PRIMARY, SECONDARY), receiver)
                        .set("rotor.intake", "kafka")
                        .set("rotor.output", "kafka")
                        .set("rotor.kafka.brokers", broker.bootstrap())
                        .set("rotor.kafka.tasks-topic", "traced-tasks")
                        .set("rotor.kafka.results-topic", "traced-results")
                        .set("rotor.kafka.dead-letter-topic", "traced-dlq")
                        .set("rotor.kafka.group", "traced")
                        .start()) {
            broker.send(
                    "traced-tasks",
                    "kafka-1",
                    "{\"id\":\"kafka-1\",\"prompt\":\"Name a colour\",\"max_tokens\":64}",
                    Map.of("traceparent", TRACEPARENT));
            List<OtlpReceiver.Received> trace = awaitTrace(receiver, "kafka-1");
            OtlpReceiver.Received task = taskSpan(receiver, "kafka-1");
            assertThat(task.traceId()).isEqualTo(CALLER_TRACE);
            assertThat(task.parentId()).isEqualTo(CALLER_SPAN);
            assertThat(task.span().getKind()).isEqualTo(SpanKind.SPAN_KIND_CONSUMER);
            assertThat(task.attributes()).containsEntry("rotor.transport", "kafka");
            assertRotatedOnce(trace, task);
            // Camel's span for the result's send, under the task's; the result record carries the trace on
            TestKafkaBroker.Received result =
                    broker.read("traced-results", 1, Duration.ofSeconds(30)).get(0);
            Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> receiver.trace(CALLER_TRACE).stream()
                            .anyMatch(s -> s.name().equals("traced-results")));
            OtlpReceiver.Received send = receiver.trace(CALLER_TRACE).stream()
                    .filter(s -> s.name().equals("traced-results"))
                    .findFirst()
                    .orElseThrow();
            assertThat(send.parentId()).isEqualTo(task.spanId());
            assertThat(result.headers().get("traceparent"))
                    .isEqualTo("00-" + CALLER_TRACE + "-" + send.spanId() + "-01");
            System.out.println("one Kafka task's trace:\n" + Waterfall.of(receiver.trace(CALLER_TRACE)));
            assertThat(receiver.everything()).doesNotContain(RotorHarness.DEFAULT_KEY);
        }
    }

    @Test
    void shouldContinueTheTraceAJmsMessageCarriesAndCarryItOnToTheResult() throws Exception {
        try (OtlpReceiver receiver = new OtlpReceiver();
                SimulatorServer sim = SimulatorServer.start(rotatesOnce());
                RotorHarness rotor = traced(RotorHarness.on(dir, sim, PRIMARY, SECONDARY), receiver)
                        .set("rotor.intake", "jms")
                        .set("rotor.output", "jms")
                        .set("rotor.jms.broker-url", jms.url())
                        .set("rotor.jms.tasks-queue", "traced.tasks")
                        .set("rotor.jms.results-queue", "traced.results")
                        .start()) {
            jms.send(
                    "traced.tasks",
                    "{\"id\":\"jms-1\",\"prompt\":\"Name a colour\",\"max_tokens\":64}",
                    "traceparent",
                    TRACEPARENT);
            List<OtlpReceiver.Received> trace = awaitTrace(receiver, "jms-1");
            OtlpReceiver.Received task = taskSpan(receiver, "jms-1");
            assertThat(task.traceId()).isEqualTo(CALLER_TRACE);
            assertThat(task.parentId()).isEqualTo(CALLER_SPAN);
            assertThat(task.attributes()).containsEntry("rotor.transport", "jms");
            assertRotatedOnce(trace, task);
            TestJmsBroker.Received result =
                    jms.take("traced.results", 1, Duration.ofSeconds(30)).get(0);
            Awaitility.await()
                    .atMost(Duration.ofSeconds(10))
                    .until(() -> receiver.trace(CALLER_TRACE).stream()
                            .anyMatch(s -> s.name().endsWith("traced.results")));
            OtlpReceiver.Received send = receiver.trace(CALLER_TRACE).stream()
                    .filter(s -> s.name().endsWith("traced.results"))
                    .findFirst()
                    .orElseThrow();
            assertThat(send.parentId()).isEqualTo(task.spanId());
            assertThat(result.traceparent()).isEqualTo("00-" + CALLER_TRACE + "-" + send.spanId() + "-01");
        }
    }

    @Test
    void shouldContinueAGatewayCallersTraceAndEndAStreamsSpanWhenItsStreamEnds() throws Exception {
        int port = FreePorts.next();
        try (OtlpReceiver receiver = new OtlpReceiver();
                SimulatorServer sim = SimulatorServer.start(rotatesOnce());
                RotorHarness rotor = traced(RotorHarness.on(dir, sim, PRIMARY, SECONDARY), receiver)
                        .set("rotor.intake", "http")
                        .set("rotor.gateway.port", Integer.toString(port))
                        .set("rotor.tracing.capture-content", "true")
                        .start()) {
            HttpClient http = HttpClient.newHttpClient();
            HttpResponse<String> plain = http.send(request(port, "gw-1", false), HttpResponse.BodyHandlers.ofString());
            assertThat(plain.statusCode()).isEqualTo(200);
            List<OtlpReceiver.Received> trace = awaitTrace(receiver, "gw-1");
            OtlpReceiver.Received task = taskSpan(receiver, "gw-1");
            assertThat(task.traceId()).isEqualTo(CALLER_TRACE);
            assertThat(task.parentId()).isEqualTo(CALLER_SPAN);
            assertThat(task.span().getKind()).isEqualTo(SpanKind.SPAN_KIND_SERVER);
            assertThat(task.attributes()).containsEntry("rotor.transport", "http");
            assertThat(call(trace, SECONDARY)
                            .attributes()
                            .get("gen_ai.input.messages")
                            .toString())
                    .contains("Name a colour");
            assertThat(call(trace, SECONDARY).attributes()).containsKey("gen_ai.output.messages");

            HttpResponse<String> streamed =
                    http.send(request(port, "gw-2", true), HttpResponse.BodyHandlers.ofString());
            assertThat(streamed.body()).contains("[DONE]");
            Awaitility.await()
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> receiver.spans().stream()
                            .anyMatch(s -> s.name().equals("rotor.task")
                                    && "gw-2".equals(s.attributes().get("rotor.task.id"))));
            OtlpReceiver.Received streamTask = taskSpan(receiver, "gw-2");
            // the same caller's trace as the first request: the stream's call is the one under its own task
            OtlpReceiver.Received streamCall = receiver.trace(streamTask.traceId()).stream()
                    .filter(s -> s.parentId().equals(streamTask.spanId()))
                    .findFirst()
                    .orElseThrow();
            assertThat(streamCall.attributes())
                    .containsKey("gen_ai.response.time_to_first_chunk")
                    .containsEntry("gen_ai.response.finish_reasons", List.of("stop"));
            // the span ended with its stream, after its first chunk, and before the task's
            assertThat(streamCall.span().getEndTimeUnixNano())
                    .isLessThanOrEqualTo(streamTask.span().getEndTimeUnixNano());
            assertThat(receiver.everything())
                    .doesNotContain(RotorHarness.DEFAULT_KEY)
                    .doesNotContain("Bearer");
        }
    }

    @Test
    void shouldEndABrokenStreamsSpanAtTheBreakAndShowItsRescueAsARotation() throws Exception {
        Scenario cut = Scenario.builder()
                .model(PRIMARY, ModelBehaviour.unlimited().withScript("stream-cut:4"))
                .model(SECONDARY, ModelBehaviour.unlimited())
                .build();
        int port = FreePorts.next();
        try (OtlpReceiver receiver = new OtlpReceiver();
                SimulatorServer sim = SimulatorServer.start(cut);
                RotorHarness rotor = traced(RotorHarness.on(dir, sim, PRIMARY, SECONDARY), receiver)
                        .set("rotor.intake", "http")
                        .set("rotor.gateway.port", Integer.toString(port))
                        .start()) {
            HttpResponse<String> streamed = HttpClient.newHttpClient()
                    .send(request(port, "gw-cut", true), HttpResponse.BodyHandlers.ofString());
            assertThat(streamed.body()).contains("[DONE]");
            Awaitility.await()
                    .atMost(Duration.ofSeconds(30))
                    .until(() -> receiver.spans().stream()
                            .anyMatch(s -> s.name().equals("rotor.task")
                                    && "gw-cut".equals(s.attributes().get("rotor.task.id"))));
            OtlpReceiver.Received task = taskSpan(receiver, "gw-cut");
            OtlpReceiver.Received broken = call(receiver.trace(CALLER_TRACE), PRIMARY);
            assertThat(broken.parentId()).isEqualTo(task.spanId());
            assertThat(broken.attributes())
                    .containsEntry("error.type", "stream_broken")
                    .containsKey("gen_ai.response.time_to_first_chunk");
            assertThat(broken.span().getEndTimeUnixNano())
                    .isLessThan(task.span().getEndTimeUnixNano());
            assertThat(task.event("rotor.rotation"))
                    .containsEntry("rotor.rotation.from", PRIMARY)
                    .containsEntry("rotor.rotation.to", SECONDARY);
            assertThat(task.event("rotor.rotation").get("rotor.rotation.reason").toString())
                    .startsWith("stream broke");
            // the call that finished the answer has a span of its own, ended with the stream, its context sent on
            OtlpReceiver.Received rest = call(receiver.trace(CALLER_TRACE), SECONDARY);
            assertThat(rest.parentId()).isEqualTo(task.spanId());
            assertThat(rest.attributes())
                    .containsEntry("rotor.call.role", "continuation")
                    .containsEntry("rotor.outcome", "ok")
                    .containsEntry("gen_ai.response.finish_reasons", List.of("stop"))
                    .doesNotContainKey("error.type");
            assertThat(rest.span().getStartTimeUnixNano())
                    .isGreaterThanOrEqualTo(broken.span().getEndTimeUnixNano());
            assertThat(sim.calls())
                    .filteredOn(c -> c.model().equals(SECONDARY))
                    .singleElement()
                    .satisfies(c -> assertThat(c.traceparent()).contains(rest.spanId()));
            assertThat(task.attributes()).containsEntry("rotor.outcome", "completed");
        }
    }

    @Test
    void shouldRefuseToStartWithOneLineWhenTheOtelSettingsAskForWhatRotorCannotSend() throws Exception {
        try (SimulatorServer sim = SimulatorServer.start(rotatesOnce())) {
            RotorHarness rotor = RotorHarness.on(dir, sim, PRIMARY)
                    .set("otel.exporter.otlp.endpoint", "http://127.0.0.1:4317")
                    .set("otel.exporter.otlp.protocol", "grpc");
            assertThatThrownBy(rotor::start).rootCause().hasMessageContaining("No GrpcSenderProvider");
            assertThatThrownBy(rotor::start).hasCauseInstanceOf(ConfigurationMistake.class);
        }
    }

    private static HttpRequest request(int port, String id, boolean stream) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .header("traceparent", TRACEPARENT)
                .header("X-Request-Id", id)
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"rotor\",\"max_tokens\":64,\"stream\":" + stream
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"Name a colour\"}]}"))
                .build();
    }
}
