package dev.rotor.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.Scenario.ModelBehaviour;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.FreePorts;
import dev.rotor.support.OtlpReceiver;
import dev.rotor.support.RotorHarness;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A first token late for its model (by the limit learned from its own streams, well under the 15 s ceiling) is left
 * early: the request rotates at that limit, or, with hedging on, the next model is asked too and the first to send
 * content serves the caller.
 */
class GatewayFirstTokenTest {

    private static final String PRIMARY = "vendor/primary";
    private static final String SECONDARY = "vendor/secondary";
    /** Enough quick streams for the primary's limit to be learned: its floor, 1 s. */
    private static final int WARM_UP = 25;

    @TempDir
    Path dir;

    private static Scenario scenario(long slowFirstMs, ModelBehaviour secondary) {
        List<String> script = new ArrayList<>(Collections.nCopies(WARM_UP, "ok"));
        script.add("stream-slow-first");
        return Scenario.builder()
                .slowMs(slowFirstMs)
                .model(PRIMARY, ModelBehaviour.unlimited().withScript(script.toArray(String[]::new)))
                .model(SECONDARY, secondary)
                .build();
    }

    private RotorHarness gateway(SimulatorServer sim, int port, boolean hedge) {
        return RotorHarness.on(dir, sim, PRIMARY, SECONDARY)
                .set("rotor.intake", "http")
                .set("rotor.gateway.port", Integer.toString(port))
                .set("rotor.gateway.first-token-timeout", "15s")
                .set("rotor.gateway.hedge", Boolean.toString(hedge));
    }

    private static String ask(OpenAIClient client) {
        try (StreamResponse<ChatCompletionChunk> stream = client.chat()
                .completions()
                .createStreaming(ChatCompletionCreateParams.builder()
                        .model("rotor")
                        .addUserMessage("Say hi")
                        .build())) {
            return stream.stream()
                    .flatMap(c -> c.choices().stream())
                    .map(c -> c.delta().content().orElse(""))
                    .collect(Collectors.joining());
        }
    }

    private static OpenAIClient client(int port) {
        return OpenAIOkHttpClient.builder()
                .baseUrl("http://127.0.0.1:" + port + "/v1")
                .apiKey("any")
                .maxRetries(0)
                .timeout(Duration.ofSeconds(30))
                .build();
    }

    private static void warmUp(OpenAIClient client) {
        for (int i = 0; i < WARM_UP; i++) {
            assertThat(ask(client)).contains(PRIMARY);
        }
    }

    /** How long after the slow call the next model was asked. */
    private static Duration untilSecondaryWasAsked(SimulatorServer sim) {
        List<SimulatorServer.Call> calls = sim.calls();
        SimulatorServer.Call slow = calls.get(WARM_UP);
        SimulatorServer.Call next = calls.stream()
                .filter(c -> c.model().equals(SECONDARY))
                .findFirst()
                .orElseThrow();
        return Duration.between(slow.at(), next.at());
    }

    private static String metrics(RotorHarness rotor) {
        return rotor.context()
                .getRegistry()
                .lookupByNameAndType("metricsRegistry", PrometheusMeterRegistry.class)
                .scrape();
    }

    @Test
    void shouldRotateAtTheModelsLearnedLimitNotAtTheCeiling() throws Exception {
        int port = FreePorts.next();
        try (SimulatorServer sim = SimulatorServer.start(scenario(20_000, ModelBehaviour.unlimited()));
                RotorHarness rotor = gateway(sim, port, false).start()) {
            OpenAIClient client = client(port);
            warmUp(client);
            assertThat(ask(client)).contains(SECONDARY);
            // the learned limit is the floor, 1 s: the next model was asked well before the 15 s ceiling
            assertThat(untilSecondaryWasAsked(sim))
                    .isGreaterThanOrEqualTo(Duration.ofMillis(900))
                    .isLessThan(Duration.ofSeconds(5));
        }
    }

    @Test
    void shouldHedgeOnTheNextModelAtTheLearnedLimitAndCancelTheSlowCallWhenTheHedgeSendsFirst() throws Exception {
        int port = FreePorts.next();
        try (SimulatorServer sim = SimulatorServer.start(scenario(20_000, ModelBehaviour.unlimited()));
                OtlpReceiver receiver = new OtlpReceiver();
                RotorHarness rotor = gateway(sim, port, true)
                        .set("otel.exporter.otlp.endpoint", receiver.endpoint())
                        .set("otel.bsp.schedule.delay", "50")
                        .start()) {
            OpenAIClient client = client(port);
            warmUp(client);
            assertThat(ask(client)).contains(SECONDARY);
            assertThat(untilSecondaryWasAsked(sim)).isLessThan(Duration.ofSeconds(5));
            assertThat(metrics(rotor))
                    .contains("rotor_gateway_hedges_total{model=\"" + SECONDARY + "\"} 1.0")
                    .contains("rotor_gateway_hedges_cancelled_total{model=\"" + PRIMARY + "\"} 1.0");
            // the trace says so: the slow call lost the race, and the task shows whose stream it got
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> receiver.spans().stream()
                            .anyMatch(s -> "hedge_lost".equals(s.attributes().get("rotor.outcome"))));
            OtlpReceiver.Received lost = receiver.spans().stream()
                    .filter(s -> "hedge_lost".equals(s.attributes().get("rotor.outcome")))
                    .findFirst()
                    .orElseThrow();
            assertThat(lost.name()).isEqualTo("chat " + PRIMARY);
            assertThat(lost.attributes()).containsEntry("rotor.hedge.winner", SECONDARY);
            await().atMost(Duration.ofSeconds(10))
                    .until(() ->
                            receiver.spans().stream().anyMatch(s -> s.spanId().equals(lost.parentId())));
            OtlpReceiver.Received task = receiver.spans().stream()
                    .filter(s -> s.spanId().equals(lost.parentId()))
                    .findFirst()
                    .orElseThrow();
            assertThat(task.event("rotor.hedge"))
                    .containsEntry("rotor.rotation.from", PRIMARY)
                    .containsEntry("rotor.rotation.to", SECONDARY);
            // the hedge is a call of its own: its span under the task's, its context sent to its provider
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> receiver.spans().stream()
                            .anyMatch(s -> "hedge".equals(s.attributes().get("rotor.call.role"))));
            OtlpReceiver.Received hedge = receiver.spans().stream()
                    .filter(s -> "hedge".equals(s.attributes().get("rotor.call.role")))
                    .findFirst()
                    .orElseThrow();
            assertThat(hedge.name()).isEqualTo("chat " + SECONDARY);
            assertThat(hedge.parentId()).isEqualTo(task.spanId());
            assertThat(hedge.attributes())
                    .containsEntry("rotor.outcome", "ok")
                    .containsKey("gen_ai.response.time_to_first_chunk")
                    .containsEntry("gen_ai.response.model", SECONDARY);
            assertThat(sim.calls())
                    .filteredOn(c -> c.model().equals(SECONDARY))
                    .singleElement()
                    .satisfies(c -> assertThat(c.traceparent()).contains(hedge.spanId()));
        }
    }

    @Test
    void shouldKeepTheOriginalWhenItSendsContentBeforeTheHedgeAndCancelTheHedge() throws Exception {
        int port = FreePorts.next();
        // the primary is late by its limit but answers at 2 s; the hedge would take 10 s
        try (SimulatorServer sim = SimulatorServer.start(
                        scenario(2_000, ModelBehaviour.unlimited().withLatency(10_000)));
                RotorHarness rotor = gateway(sim, port, true).start()) {
            OpenAIClient client = client(port);
            warmUp(client);
            assertThat(ask(client)).contains(PRIMARY);
            assertThat(metrics(rotor))
                    .contains("rotor_gateway_hedges_total{model=\"" + SECONDARY + "\"} 1.0")
                    .contains("rotor_gateway_hedges_cancelled_total{model=\"" + SECONDARY + "\"} 1.0");
        }
    }
}
