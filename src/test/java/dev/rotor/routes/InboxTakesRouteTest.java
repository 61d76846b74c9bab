package dev.rotor.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.Scenario.ModelBehaviour;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.RotorHarness;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.camel.component.file.GenericFileEndpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files dropped while earlier ones finish: each is taken once, and each ends in .done. */
class InboxTakesRouteTest {

    private static final String MODEL = "vendor/model";
    private static final int TASKS = 200;

    @TempDir
    Path dir;

    @Test
    void eachFileDroppedWhileOthersFinishIsTakenOnceAndKeptInDone() throws Exception {
        Scenario scenario =
                Scenario.builder().model(MODEL, ModelBehaviour.unlimited()).build();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor = RotorHarness.on(dir, sim, MODEL)
                        .set("rotor.concurrency", "8")
                        .start()) {
            GenericFileEndpoint<?> inbox = (GenericFileEndpoint<?>)
                    rotor.context().getRoute("file-intake").getEndpoint();
            // a listing taken before a task moved its file must not take the file again
            // X

            for (int i = 0; i < TASKS; i++) {
                rotor.dropTask("t" + i);
            }
            rotor.awaitEnded(TASKS, Duration.ofSeconds(60));
            // a file moves to .done just after its task is recorded as ended
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> rotor.files(rotor.inbox()).isEmpty());

            assertThat(rotor.files(rotor.inbox().resolve(".done"))).hasSize(TASKS);
            assertThat(rotor.files(rotor.outbox())).hasSize(TASKS);
            assertThat(sim.calls()).hasSize(TASKS);
        }
    }
}
