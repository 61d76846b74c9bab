package dev.rotor.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.Scenario.ModelBehaviour;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.RotorHarness;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.builder.NotifyBuilder;
import org.apache.camel.component.file.GenericFileEndpoint;
import org.apache.camel.component.file.GenericFileFilter;
import org.apache.camel.spi.IdempotentRepository;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A poll lists the inbox, then goes through the listing; a task of the poll before may finish meanwhile and move its
 * file to .done. The listing still names that file: it must not be taken again.
 */
class InboxTakesRouteTest {

    private static final String MODEL = "vendor/model";

    @TempDir
    Path dir;

    @Test
    void aFileMovedToDoneWhileAListingStillNamesItIsNotTakenAgain() throws Exception {
        // the call outlasts a poll's delay (500 ms), so the next poll lists the file while its task runs
        Scenario scenario = Scenario.builder()
                .latencyMs(1500)
                .model(MODEL, ModelBehaviour.unlimited())
                .build();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor = RotorHarness.on(dir, sim, MODEL).start()) {
            @SuppressWarnings("unchecked")
            GenericFileEndpoint<File> inbox = (GenericFileEndpoint<File>)
                    rotor.context().getRoute("file-intake").getEndpoint();
            IdempotentRepository inProgress = inbox.getInProgressRepository();
            GenericFileFilter<File> ours = inbox.getFilter();
            AtomicBoolean listedWhileHeld = new AtomicBoolean();
            AtomicInteger pollsAfter = new AtomicInteger();
            inbox.setFilter(file -> {
                if (file.getFileName().equals("marker.json")) {
                    if (listedWhileHeld.get()) {
                        pollsAfter.incrementAndGet();
                    }
                    return false;
                }
                boolean accepted = ours.accept(file);
                String path = file.getAbsoluteFilePath();
                if (accepted && !listedWhileHeld.get() && inProgress.contains(path)) {
                    // as a slow listing is: the task holding the file finishes and moves it before this poll goes on
                    await().atMost(Duration.ofSeconds(10)).until(() -> !inProgress.contains(path));
                    listedWhileHeld.set(true);
                }
                return accepted;
            });
            // a file no poll takes, so that each poll is seen going through the listing
            rotor.drop("marker.json", "{}");
            NotifyBuilder takes = new NotifyBuilder(rotor.context())
                    .fromRoute("file-intake")
                    .whenDone(2)
                    .create();

            rotor.dropTask("t0");
            // the poll after the one that listed it while held has begun: that one has made all its takes
            await().atMost(Duration.ofSeconds(20)).until(() -> pollsAfter.get() >= 2);
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> rotor.context().getInflightRepository().size("file-intake") == 0);

            assertThat(takes.matches()).as("the file was taken a second time").isFalse();
            assertThat(Files.exists(rotor.inbox().resolve(".done/t0.json"))).isTrue();
            assertThat(rotor.result("t0").path("status").asText()).isEqualTo("completed");
            assertThat(sim.calls()).hasSize(1);
        }
    }
}
