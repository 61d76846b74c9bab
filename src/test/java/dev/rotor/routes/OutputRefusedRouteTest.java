package dev.rotor.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.output.Deliveries;
import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.RotorHarness;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An answer its output cannot take is held and sent again: never paid for a second time. CI runs 20 tasks; the long
 * form keeps the outbox broken for 20 s: {@code mvn -B verify -Dtest=OutputRefusedRouteTest -Drotor.outage.tasks=100
 * -Drotor.outage.seconds=20}.
 */
class OutputRefusedRouteTest {

    private static final String MODEL = "vendor/model";
    private static final int TASKS = Integer.getInteger("rotor.outage.tasks", 20);
    private static final Duration OUTAGE = Duration.ofSeconds(Integer.getInteger("rotor.outage.seconds", 0));

    @TempDir
    Path dir;

    @Test
    void shouldCallTheModelOncePerTaskAndDeliverEveryResultWhenTheOutboxBreaksMidRunAndIsMended() throws Exception {
        Path log = Path.of("target/test-logs/rotor.log");
        long logOffset = Files.exists(log) ? Files.size(log) : 0;
        Scenario scenario =
                Scenario.builder().latencyMs(100).serveUnknownModels(true).build();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor = RotorHarness.on(dir, sim, MODEL)
                        .set("rotor.concurrency", "4")
                        .start()) {
            Deliveries deliveries = rotor.context().getRegistry().lookupByNameAndType("deliveries", Deliveries.class);
            for (int i = 0; i < TASKS; i++) {
                rotor.dropTask("t" + i);
            }
            await().atMost(Duration.ofSeconds(20)).until(() -> rotor.ledger().count() >= 3);

            // a file now stands where the outbox was, as when a volume is unmounted under it
            Path away = dir.resolve("outbox.away");
            Files.move(rotor.outbox(), away);
            Files.writeString(rotor.outbox(), "not a folder");
            Instant broken = Instant.now();
            await().atMost(Duration.ofSeconds(30))
                    .alias("every task answered while the outbox is broken")
                    .until(() -> sim.calls().size() >= TASKS);
            await().atMost(Duration.ofSeconds(10)).until(() -> deliveries.undelivered() > 0);
            int delivered = rotor.ledger().count();
            assertThat(delivered).isLessThan(TASKS);
            assertThat(deliveries.refusingFor()).isPresent();
            await().atMost(OUTAGE.plusSeconds(5)).until(() -> !Instant.now().isBefore(broken.plus(OUTAGE)));

            Instant mended = Instant.now();
            Files.delete(rotor.outbox());
            Files.move(away, rotor.outbox());
            rotor.awaitEnded(TASKS, Duration.ofSeconds(30));

            Map<String, Long> callsPerTask = sim.calls().stream()
                    .collect(Collectors.groupingBy(SimulatorServer.Call::prompt, Collectors.counting()));
            assertThat(callsPerTask)
                    .hasSize(TASKS)
                    .allSatisfy((prompt, calls) -> assertThat(calls).as(prompt).isEqualTo(1));
            assertThat(rotor.files(rotor.outbox())).hasSize(TASKS);
            assertThat(rotor.files(rotor.inbox()))
                    .as("every input moved to .done once delivered")
                    .isEmpty();
            assertThat(deliveries.undelivered()).isZero();
            assertThat(deliveries.refusingFor()).isEmpty();
            System.out.printf(
                    "Output outage: %d tasks, outbox broken for %d s: %d model calls, %d results, %d left in "
                            + "the inbox%n",
                    TASKS,
                    Duration.between(broken, mended).toSeconds(),
                    sim.calls().size(),
                    rotor.files(rotor.outbox()).size(),
                    rotor.files(rotor.inbox()).size());
        }
        String logged = Files.readString(log).substring((int) logOffset);
        assertThat(logged.lines().filter(l -> l.contains("cannot be delivered to folder")))
                .as("one WARN within the minute")
                .hasSize(1)
                .allSatisfy(l -> assertThat(l).contains("rotor.outbox.dir").contains("Not a directory"));
        assertThat(logged)
                .contains("results delivered to folder")
                .doesNotContain("\tat ")
                .doesNotContain("GenericFileOperationFailedException");
    }
}
