package dev.rotor.routes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.batch.TaskLedger;
import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.Scenario.ModelBehaviour;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.RotorHarness;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BacklogRouteTest {

    @TempDir
    Path dir;

    @Test
    void shouldCompleteAHundredTasksDroppedAtOnceNoneLostNoneDuplicatedAndNotRedoThemAfterARestart() throws Exception {
        // the primary allows 30 calls a minute, so most of the backlog rotates to the others
        Scenario scenario = Scenario.builder()
                .latencyMs(5)
                .model("vendor/primary", ModelBehaviour.limited(30, 60_000))
                .model("vendor/secondary", ModelBehaviour.unlimited().withFaults(0.1, "500", "close"))
                .build();
        Set<String> ids = IntStream.range(0, 100)
                .mapToObj(i -> String.format("bulk-%03d", i))
                .collect(Collectors.toSet());
        try (SimulatorServer sim = SimulatorServer.start(scenario)) {
            try (RotorHarness rotor = RotorHarness.on(dir, sim, "vendor/primary", "vendor/secondary", "vendor/tertiary")
                    .start()) {
                long start = System.nanoTime();
                ids.forEach(rotor::dropTask);
                rotor.awaitEnded(100, Duration.ofSeconds(60));
                double seconds = (System.nanoTime() - start) / 1e9;

                List<TaskLedger.Entry> ended = rotor.ledger().entries();
                assertThat(ended).hasSize(100);
                assertThat(ended).extracting(TaskLedger.Entry::id).containsExactlyInAnyOrderElementsOf(ids);
                assertThat(ended).extracting(TaskLedger.Entry::status).containsOnly("completed");
                assertThat(rotor.files(rotor.outbox()))
                        .hasSize(100)
                        .allSatisfy(
                                f -> assertThat(RotorHarness.read(f).path("id").asText() + ".json")
                                        .isEqualTo(f.getFileName().toString()));
                assertThat(rotor.files(rotor.inbox())).isEmpty();
                assertThat(rotor.files(rotor.inbox().resolve(".done"))).hasSize(100);
                // the primary's limit moved most of the backlog to the other models
                assertThat(ended).extracting(TaskLedger.Entry::model).contains("vendor/primary", "vendor/secondary");
                // 30 served; the 429s are the calls that were on their way when the limit hit: none left for the
                // primary after its first 429 came back, for its cooldown is most of a minute
                List<SimulatorServer.Call> primary = sim.calls().stream()
                        .filter(c -> c.model().equals("vendor/primary"))
                        .toList();
                Instant first429 = primary.stream()
                        .filter(c -> !c.answer().equals("ok"))
                        .map(SimulatorServer.Call::at)
                        .findFirst()
                        .orElseThrow();
                assertThat(primary).filteredOn(c -> c.answer().equals("ok")).hasSize(30);
                assertThat(primary).allSatisfy(c -> assertThat(c.at()).isBefore(first429.plusSeconds(1)));
                System.out.printf(
                        "Backlog: 100 tasks in %.2f s, %d calls (%d to the primary), %d retried%n",
                        seconds,
                        sim.calls().size(),
                        sim.callsTo("vendor/primary"),
                        ended.stream().filter(e -> e.calls() > 1).count());
            }
            long callsBefore = sim.calls().size();
            try (RotorHarness restarted = RotorHarness.on(
                            dir, sim, "vendor/primary", "vendor/secondary", "vendor/tertiary")
                    .start()) {
                restarted.dropTask("after-restart");
                restarted.awaitEnded(1, Duration.ofSeconds(20));
                assertThat(restarted.ledger().entries())
                        .extracting(TaskLedger.Entry::id)
                        .containsExactly("after-restart");
                assertThat(sim.calls().size() - callsBefore).isBetween(1L, 3L);
            }
        }
    }
}
