package dev.rotor.routes;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.batch.TaskLedger;
import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.Scenario.ModelBehaviour;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.RotorHarness;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every kind of upstream fault at once, on every model: all tasks complete, and retries stay in budget. */
class UpstreamFaultsRouteTest {

    private static final int TASKS = Integer.getInteger("rotor.faults.tasks", 1000);

    private static final int RETRY_BUDGET = 12;
    private static final String[] FAULTS = {"500", "502", "503", "slow", "close", "not-json", "error-200", "empty"};

    @TempDir
    Path dir;

    @Test
    void shouldCompleteEveryTaskThroughTwentyPercentFaultsWithoutARetryStorm() throws Exception {
        ModelBehaviour flaky = ModelBehaviour.unlimited().withFaults(0.2, FAULTS);
        Scenario scenario = Scenario.builder()
                .slowMs(1_500)
                .seed(5)
                .model("vendor/a", flaky)
                .model("vendor/b", flaky)
                .model("vendor/c", flaky)
                .model("vendor/d", flaky)
                .build();
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor = RotorHarness.on(dir, sim, "vendor/a", "vendor/b", "vendor/c", "vendor/d")
                        .set("rotor.concurrency", "16")
                        .set("rotor.http.read-timeout", "300")
                        .set("rotor.retry.max-attempts", Integer.toString(RETRY_BUDGET))
                        .start()) {
            long start = System.nanoTime();
            IntStream.range(0, TASKS).forEach(i -> rotor.dropTask(String.format("fault-%04d", i)));
            rotor.awaitEnded(TASKS, Duration.ofMinutes(3));
            double seconds = (System.nanoTime() - start) / 1e9;

            assertThat(rotor.ledger().entries())
                    .extracting(TaskLedger.Entry::status)
                    .containsOnly("completed");
            long calls = sim.calls().size();
            Map<String, Long> answers =
                    sim.calls().stream().collect(Collectors.groupingBy(c -> c.answer(), Collectors.counting()));
            double callsPerTask = (double) calls / TASKS;
            System.out.printf(
                    "Faults: %d tasks in %.1f s, %d calls (%.3f per task), answers %s, max calls for one task %d%n",
                    TASKS,
                    seconds,
                    calls,
                    callsPerTask,
                    answers,
                    rotor.ledger().entries().stream()
                            .mapToInt(TaskLedger.Entry::calls)
                            .max()
                            .orElse(0));
            // one fault in five: 1.25 calls a task on average; a storm would be far above
            assertThat(callsPerTask).isLessThan(1.4);
            assertThat(answers.keySet()).contains(FAULTS);
            // and no task went past the retry budget; with 10,000 tasks a few meet every other model's breaker open
            // and go on with backoff on the one left, so the bound is the budget, not a guess at bad luck
            assertThat(rotor.ledger().entries())
                    .allSatisfy(e -> assertThat(e.calls()).isLessThanOrEqualTo(RETRY_BUDGET));
        }
    }
}
