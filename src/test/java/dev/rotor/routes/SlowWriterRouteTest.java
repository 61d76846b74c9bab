package dev.rotor.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.Scenario.ModelBehaviour;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.RotorHarness;
import dev.rotor.transport.InboxFilter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A task file written in two halves with a pause between is a task, not an invalid one. */
class SlowWriterRouteTest {

    private static final String MODEL = "vendor/model";

    @TempDir
    Path dir;

    @Test
    void aFileWrittenInTwoHalvesIsTakenWhenWholeAndOneThatStaysBrokenIsDeadLetteredOnceSettled() throws Exception {
        Scenario scenario =
                Scenario.builder().model(MODEL, ModelBehaviour.unlimited()).build();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor = RotorHarness.on(dir, sim, MODEL)
                        .set("rotor.inbox.min-age", "100ms")
                        .set("rotor.inbox.settle", "3s")
                        .start()) {
            InboxFilter filter = rotor.context().getRegistry().lookupByNameAndType("inboxFilter", InboxFilter.class);
            Files.createDirectories(rotor.inbox());
            Path slow = rotor.inbox().resolve("slow.json");
            Path broken = rotor.inbox().resolve("broken.json");
            // a writer that stops halfway, as a slow copy does; and one that never finishes
            Files.writeString(slow, "{\"id\": \"slow\", \"prompt\": \"Summarise the ");
            Files.writeString(broken, "{\"id\": \"broken\", \"prompt\": ");
            await().atMost(Duration.ofSeconds(10))
                    .until(() -> filter.waitsFor("slow.json") && filter.waitsFor("broken.json"));
            assertThat(rotor.ledger().count()).isZero();

            Files.writeString(slow, "report\"}", StandardCharsets.UTF_8, StandardOpenOption.APPEND);
            rotor.awaitEnded(2, Duration.ofSeconds(20));

            assertThat(rotor.result("slow").path("status").asText()).isEqualTo("completed");
            assertThat(rotor.deadLetter("broken").path("error").path("type").asText())
                    .isEqualTo("invalid_task");
            assertThat(rotor.deadLetter("broken").path("error").path("message").asText())
                    .contains("Unexpected end-of-input");
            // the broken file was dead-lettered only after it had sat unchanged for the settle time
            long brokenWritten = Files.getLastModifiedTime(rotor.inbox().resolve(".done/broken.json"))
                    .toMillis();
            assertThat(System.currentTimeMillis() - brokenWritten).isGreaterThanOrEqualTo(3_000);
            assertThat(sim.calls()).hasSize(1);
        }
    }
}
