package dev.rotor.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.simulator.Limiter;
import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.Scenario.ModelBehaviour;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.FreePorts;
import dev.rotor.support.RotorHarness;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Prometheus metrics and health through camel-main's management server. */
class ObservabilityRouteTest {

    private static final String PRIMARY = "vendor/primary";
    private static final String SECONDARY = "vendor/secondary";

    @TempDir
    Path dir;

    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> get(int port, String path) throws Exception {
        return http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void shouldExposePerModelMetricsAndReportDownWhileNoModelIsAvailable() throws Exception {
        // every model answers its second call with a 429 that asks for 30 s
        Scenario scenario = Scenario.builder()
                .model(PRIMARY, ModelBehaviour.unlimited().withScript("ok", "429"))
                .model(SECONDARY, ModelBehaviour.unlimited().withScript("429"))
                .build();
        int port = FreePorts.next();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor = RotorHarness.on(dir, sim, PRIMARY, SECONDARY)
                        .set("rotor.concurrency", "1")
                        .set("camel.management.enabled", "true")
                        .set("camel.management.port", Integer.toString(port))
                        .start()) {
            rotor.dropTask("one");
            rotor.awaitEnded(1, Duration.ofSeconds(20));

            HttpResponse<String> health = get(port, "/observe/health");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("UP");

            HttpResponse<String> metrics = get(port, "/observe/metrics");
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.body())
                    .contains("rotor_model_requests_total{model=\"vendor/primary\"} 1.0")
                    .contains("rotor_model_successes_total{model=\"vendor/primary\"} 1.0")
                    .contains("rotor_model_latency_seconds{model=\"vendor/primary\",quantile=\"0.95\"}")
                    .contains("rotor_model_tokens_total{model=\"vendor/primary\",type=\"completion\"}")
                    .contains("rotor_model_breaker_state{model=\"vendor/primary\"} 0.0")
                    .contains("rotor_next_model{model=\"vendor/primary\"} 1.0")
                    .contains("rotor_tasks_total{status=\"completed\"} 1.0");

            // the second task meets a 429 on both models: nothing is available for 30 s
            rotor.dropTask("two");
            await().atMost(Duration.ofSeconds(20)).until(() -> sim.calls().size() == 3);
            await().atMost(Duration.ofSeconds(5))
                    .until(() -> get(port, "/observe/health").statusCode() == 503);
            String down = get(port, "/observe/health").body();
            assertThat(down).contains("DOWN");
            String after = get(port, "/observe/metrics").body();
            assertThat(after)
                    .contains("rotor_model_rate_limited_total{model=\"vendor/secondary\"} 1.0")
                    .contains("rotor_model_failures_total{kind=\"rate_limited\",model=\"vendor/primary\"} 1.0")
                    .contains("rotor_rotations_total 1.0")
                    .contains("rotor_model_available{model=\"vendor/primary\"} 0.0");
        }
    }

    @Test
    void shouldShowEachModelsLimitWhereItCameFromAndLogWhenALearnedOneChanges() throws Exception {
        // the primary allows 3 calls in any minute and says nothing but when to come back; the secondary is declared
        Scenario scenario = Scenario.builder()
                .model(
                        PRIMARY,
                        ModelBehaviour.limited(3, 60_000)
                                .withShape(
                                        Limiter.Shape.SLIDING,
                                        new Scenario.Reporting(false, false, Scenario.RetryAfter.MILLISECONDS)))
                .model(SECONDARY, ModelBehaviour.unlimited())
                .build();
        int port = FreePorts.next();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor = RotorHarness.on(
                                dir, sim, Map.of(SECONDARY, ", requests-per-minute: 600"), PRIMARY, SECONDARY)
                        .set("rotor.concurrency", "1")
                        .set("camel.management.enabled", "true")
                        .set("camel.management.port", Integer.toString(port))
                        .start()) {
            for (int i = 0; i < 6; i++) {
                rotor.dropTask("t" + i);
            }
            rotor.awaitEnded(6, Duration.ofSeconds(20));
            String metrics = get(port, "/observe/metrics").body();
            assertThat(metrics)
                    .contains("rotor_model_limit_requests{model=\"vendor/primary\"} 3.0")
                    .contains("rotor_model_limit_source{model=\"vendor/primary\",source=\"learned\"} 1.0")
                    .contains("rotor_model_limit_source{model=\"vendor/primary\",source=\"declared\"} 0.0")
                    .contains("rotor_model_limit_requests{model=\"vendor/secondary\"} 600.0")
                    .contains("rotor_model_limit_window_seconds{model=\"vendor/secondary\"} 60.0")
                    .contains("rotor_model_limit_source{model=\"vendor/secondary\",source=\"declared\"} 1.0");
            assertThat(Files.readString(Path.of("target/test-logs/rotor.log")))
                    .contains("limit of model:vendor/primary is now 3 per");
        }
    }
}
