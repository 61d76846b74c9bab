package dev.rotor.routes;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

import org.apache.camel.builder.NotifyBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.JsonNode;

import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.RotorHarness;

class RateLimitRotationRouteTest {

    private static final String PRIMARY = "vendor/primary";
    private static final String SECONDARY = "vendor/secondary";

    @TempDir
    Path dir;

    @Test
    void shouldRotateAtOnceWhenThePrimaryIsRateLimitedAndAnotherModelIsFree() throws Exception {
        // the primary's first answer is a 429 asking for a 30 s pause
        Scenario scenario = Scenario.builder()
                .model(PRIMARY, Scenario.ModelBehaviour.unlimited().withScript("ok", "429"))
                .model(SECONDARY, Scenario.ModelBehaviour.unlimited())
                .build();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
             RotorHarness rotor = RotorHarness.on(dir, sim, PRIMARY, SECONDARY).set("rotor.concurrency", "1").start()) {
            NotifyBuilder first = rotor.whenFilesDone(1);
            rotor.dropTask("first");
            assertThat(first.matches(20, TimeUnit.SECONDS)).isTrue();
            NotifyBuilder done = rotor.whenFilesDone(1);
            rotor.dropTask("second");
            assertThat(done.matches(20, TimeUnit.SECONDS)).isTrue();

            assertThat(rotor.result("first").path("model").asText()).isEqualTo(PRIMARY);
            JsonNode second = rotor.result("second");
            assertThat(second.path("model").asText()).isEqualTo(SECONDARY);
            assertThat(second.path("rotations").asInt()).isEqualTo(1);
            assertThat(second.path("attempts")).hasSize(2);
            assertThat(second.path("attempts").get(0).path("outcome").asText()).isEqualTo("rate_limited");
            assertThat(second.path("attempts").get(0).path("http_status").asInt()).isEqualTo(429);
            // rotated without sleeping out the 30 s Retry-After
            assertThat(Duration.ofMillis(second.path("latency_ms").asLong())).isLessThan(Duration.ofSeconds(3));
            assertThat(second.path("simulated").asBoolean()).isFalse();
        }
    }
}
