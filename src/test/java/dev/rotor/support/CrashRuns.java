package dev.rotor.support;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.simulator.SimulatorServer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Rotor as a process, killed with {@code kill -9} at random moments of a backlog on a queue or topic and restarted each
 * time, until every task has a result; what each kill left in flight, read from the calls the simulator saw and the
 * results out so far. The tasks' prompts name them: "... task crash-00042".
 */
public final class CrashRuns {

    /** A call the simulator took this long before a kill had its answer back and recorded (latency 60 ms). */
    public static final Duration ANSWERED_MARGIN = Duration.ofMillis(500);

    private static final Pattern TASK_IN_PROMPT = Pattern.compile("task (crash-\\d+)");

    /**
     * What the kills left: tasks called with no result at a kill, those of them called well before it (their answer was
     * back), and the calls per task over the whole run.
     */
    public record Outcome(
            Set<String> inFlightAtAKill,
            Set<String> answeredBeforeAKill,
            Map<String, Integer> calls,
            List<String> report) {

        public Set<String> calledTwice() {
            return calls.entrySet().stream()
                    .filter(e -> e.getValue() > 1)
                    .map(Map.Entry::getKey)
                    .collect(Collectors.toSet());
        }

        public int totalCalls() {
            return calls.values().stream().mapToInt(Integer::intValue).sum();
        }

        /**
         * The run in one line, and its promise checked: every task has a result, a model was called again only for a
         * task in flight at a kill, and never for one whose answer was back well before it.
         *
         * @param produced results out, counting each task as often as it was answered (after a kill, again)
         */
        public void check(String transport, int tasks, int kills, int produced, Set<String> results) {
            Set<String> twice = calledTwice();
            long repeatedInFlight =
                    twice.stream().filter(inFlightAtAKill::contains).count();
            long repeatedAnswered =
                    twice.stream().filter(answeredBeforeAKill::contains).count();
            System.out.printf(
                    "Crash (%s): %d tasks, %d kills (%s); %d results for %d tasks (%d beyond one a task: "
                            + "inputs that came back after a kill); %d provider calls; %d tasks called twice, %d of them in "
                            + "flight at a kill; %d answered before a kill with no result yet, %d of them called again%n",
                    transport,
                    tasks,
                    kills,
                    String.join("; ", report),
                    produced,
                    results.size(),
                    produced - results.size(),
                    totalCalls(),
                    twice.size(),
                    repeatedInFlight,
                    answeredBeforeAKill.size(),
                    repeatedAnswered);
            assertThat(results).hasSize(tasks);
            assertThat(inFlightAtAKill).containsAll(twice);
            assertThat(twice.stream().filter(answeredBeforeAKill::contains).toList())
                    .as("answers recorded in the journal before a kill are not asked for again")
                    .isEmpty();
        }
    }

    private CrashRuns() {}

    /**
     * @param start starts Rotor for run n
     * @param results the ids of the tasks with a result so far
     */
    public static Outcome run(
            int tasks,
            int kills,
            long seed,
            SimulatorServer sim,
            IntFunction<Process> start,
            Supplier<Set<String>> results)
            throws InterruptedException {
        Random random = new Random(seed);
        Set<String> inFlightAtAKill = new HashSet<>();
        Set<String> answeredBeforeAKill = new HashSet<>();
        List<String> report = new ArrayList<>();
        for (int kill = 0; kill <= kills; kill++) {
            Instant startedAt = Instant.now();
            Process rotor = start.apply(kill);
            try {
                if (kill == kills) {
                    await().atMost(Duration.ofMinutes(5))
                            .until(() -> results.get().size() >= tasks);
                    rotor.destroy();
                    rotor.waitFor();
                    break;
                }
                int done = results.get().size();
                int target = done + 1 + random.nextInt(Math.max(1, (tasks - done) / 2));
                await().atMost(Duration.ofMinutes(2)).until(() -> results.get().size() >= target);
            } finally {
                // the kill; and a wait that fails must not leave this Rotor running on after the test
                rotor.destroyForcibly().waitFor();
            }
            Instant killedAt = Instant.now();
            Set<String> resulted = Set.copyOf(results.get());
            Set<String> inFlight = withNoResult(callsByTask(sim, startedAt, killedAt), resulted);
            inFlightAtAKill.addAll(inFlight);
            Instant answeredBy = killedAt.minus(ANSWERED_MARGIN);
            answeredBeforeAKill.addAll(withNoResult(callsByTask(sim, startedAt, answeredBy), resulted));
            report.add(
                    String.format("kill %d at %d results: %d in flight", kill + 1, resulted.size(), inFlight.size()));
        }
        return new Outcome(inFlightAtAKill, answeredBeforeAKill, callsByTask(sim, Instant.MIN, Instant.MAX), report);
    }

    private static Set<String> withNoResult(Map<String, Integer> called, Set<String> resulted) {
        return called.keySet().stream().filter(t -> !resulted.contains(t)).collect(Collectors.toSet());
    }

    /** Successful calls per task between the two instants, read from the prompts the simulator saw. */
    public static Map<String, Integer> callsByTask(SimulatorServer sim, Instant from, Instant before) {
        Map<String, Integer> calls = new HashMap<>();
        for (SimulatorServer.Call c : sim.calls()) {
            Matcher m = TASK_IN_PROMPT.matcher(c.prompt());
            if ("ok".equals(c.answer()) && !c.at().isBefore(from) && !c.at().isAfter(before) && m.find()) {
                calls.merge(m.group(1), 1, Integer::sum);
            }
        }
        return calls;
    }

    /** The task JSON whose prompt names it. */
    public static String task(String id) {
        return "{\"id\":\"" + id + "\",\"prompt\":\"Write a haiku about task " + id + "\"}";
    }

    public static String id(int i) {
        return String.format("crash-%05d", i);
    }
}
