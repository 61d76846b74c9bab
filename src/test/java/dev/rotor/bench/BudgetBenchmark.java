package dev.rotor.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.batch.TaskLedger;
import dev.rotor.core.ExchangeKeys;
import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.RotorHarness;
import dev.rotor.support.TestRedis;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.Exchange;

/**
 * A budget the backlog would overspend, side by side in one run: 1,000 tasks over a chain of a paid model, whose
 * {@code usd-per-day} is a fifth of what the backlog would cost on it, and a free model after it. With one Rotor, and
 * with three Rotors (three Camel contexts in this JVM, each with its own limit state and Redis connection, sharing
 * nothing but Redis) taking the tasks in turn. What the simulator charged (the sum of its answers' usage.cost) must
 * stay at or under the budget, and every task complete. Run with {@code bench/run budget} (needs redis-server); writes
 * {@code bench/results.json}.
 */
public final class BudgetBenchmark {

    private static final int TASKS = Integer.getInteger("bench.budget.tasks", 1000);
    private static final int CLIENTS = 16;
    private static final long LATENCY_MS = 20;
    private static final String PAID = "sim/paid";
    private static final String FREE = "sim/free";
    /** USD per million tokens in and out, as models.yaml and the simulator's /models both list them. */
    private static final int INPUT_PER_MILLION = 10;

    private static final int OUTPUT_PER_MILLION = 30;
    private static final BigDecimal BUDGET = new BigDecimal("2.00");
    private static final ObjectMapper JSON = new ObjectMapper();

    private BudgetBenchmark() {}

    record Variant(String name, int processes) {}

    static final List<Variant> VARIANTS =
            List.of(new Variant("one_process", 1), new Variant("three_processes_redis", 3));

    record Outcome(
            int completed,
            int deadLettered,
            long paidCalls,
            BigDecimal charged,
            BigDecimal wholeBacklog,
            double seconds) {

        BigDecimal overshoot() {
            return charged.subtract(BUDGET).max(BigDecimal.ZERO);
        }

        double used() {
            return charged.doubleValue() / BUDGET.doubleValue();
        }

        Map<String, Object> figures() {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("tasks", TASKS);
            f.put("completed", completed);
            f.put("dead_lettered", deadLettered);
            f.put("budget_usd", BUDGET.doubleValue());
            f.put("charged_usd", Bench.round(charged.doubleValue() * 1000) / 1000);
            f.put("overshoot_usd", overshoot().doubleValue());
            f.put("budget_used_ratio", Bench.round(used()));
            f.put("paid_calls", paidCalls);
            f.put("backlog_on_paid_usd", Bench.round(wholeBacklog.doubleValue()));
            f.put("seconds", Bench.round(seconds));
            return f;
        }
    }

    public static void main(String[] args) throws Exception {
        Path work = Files.createTempDirectory("rotor-budget");
        List<String> tasks = tasks();
        BigDecimal backlog = backlogCost(work.resolve("backlog"), tasks);
        System.out.printf(
                Locale.ROOT,
                "Budget: %d tasks, %d clients; %s at $%d/$%d per million tokens in/out with "
                        + "usd-per-day %s, then %s; the whole backlog would cost $%.2f on %s%n",
                TASKS,
                CLIENTS,
                PAID,
                INPUT_PER_MILLION,
                OUTPUT_PER_MILLION,
                BUDGET,
                FREE,
                backlog,
                PAID);
        Map<String, Object> figures = new LinkedHashMap<>();
        try (TestRedis redis = TestRedis.start()) {
            for (Variant v : VARIANTS) {
                Outcome o = run(work.resolve(v.name()), v, tasks, redis, backlog);
                System.out.printf(
                        Locale.ROOT,
                        "%s: %d completed, %d dead-lettered, %d calls on %s, charged $%.4f of "
                                + "$%s (%.3f), overshoot $%s, %.1f s%n",
                        v.name(),
                        o.completed(),
                        o.deadLettered(),
                        o.paidCalls(),
                        PAID,
                        o.charged(),
                        BUDGET,
                        o.used(),
                        o.overshoot().toPlainString(),
                        o.seconds());
                figures.put(v.name(), o.figures());
            }
        }
        System.out.println("targets: charged <= budget (no overshoot) with 1 process and with 3 on Redis; every task "
                + "completed, none lost");
        figures.forEach((name, f) -> {
            @SuppressWarnings("unchecked")
            Map<String, Object> m = (Map<String, Object>) f;
            boolean met = (double) m.get("overshoot_usd") == 0 && (int) m.get("completed") == TASKS;
            System.out.printf(Locale.ROOT, "%-22s %s%n", name, met ? "met" : "NOT met");
        });
        Bench.writeResults("budget", figures);
    }

    private static Scenario scenario() {
        // a token bucket that never fills: answers use 60 % of max_tokens, as the token benchmark's do
        Scenario.TokenBehaviour tokens = Scenario.TokenBehaviour.of(Scenario.TokenStyle.OPENAI, 1_000_000_000L, 60_000);
        return Scenario.builder()
                .latencyMs(LATENCY_MS)
                .serveUnknownModels(false)
                .model(
                        PAID,
                        Scenario.ModelBehaviour.unlimited()
                                .withTokens(tokens)
                                .withPrice(perToken(INPUT_PER_MILLION), perToken(OUTPUT_PER_MILLION)))
                .model(FREE, Scenario.ModelBehaviour.unlimited())
                .build();
    }

    private static String perToken(int perMillion) {
        return BigDecimal.valueOf(perMillion).movePointLeft(6).toPlainString();
    }

    private static String modelsYaml(SimulatorServer sim, boolean budget) {
        return "providers:\n  sim:\n    base-url: " + sim.baseUrl() + "\n    api-key-env: " + RotorHarness.KEY_VARIABLE
                + "\nmodels:\n  - { id: \"" + PAID + "\", provider: sim, requests: 100000, per: 1m, price: "
                + "{ input-per-million: " + INPUT_PER_MILLION + ", output-per-million: " + OUTPUT_PER_MILLION + " }"
                + (budget ? ", budget: { usd-per-day: " + BUDGET + " }" : "") + " }\n"
                + "  - { id: \"" + FREE + "\", provider: sim }\n";
    }

    /** What the whole backlog costs on the paid model with no budget: what the budget keeps Rotor from spending. */
    private static BigDecimal backlogCost(Path root, List<String> tasks) throws Exception {
        try (SimulatorServer sim = SimulatorServer.start(scenario());
                RotorHarness rotor =
                        RotorHarness.withModels(root, modelsYaml(sim, false)).start()) {
            RotorCore core = new RotorCore(rotor.context());
            Bench.runConcurrently(i -> core.complete(tasks.get(i)), tasks.size(), CLIENTS);
            return sim.charged(PAID);
        }
    }

    private static Outcome run(Path root, Variant v, List<String> tasks, TestRedis redis, BigDecimal backlog)
            throws Exception {
        try (SimulatorServer sim = SimulatorServer.start(scenario())) {
            List<RotorHarness> rotors = new ArrayList<>();
            try {
                for (int p = 0; p < v.processes(); p++) {
                    RotorHarness h = RotorHarness.withModels(root.resolve("rotor-" + p), modelsYaml(sim, true));
                    if (v.processes() > 1) {
                        h.set("rotor.state", "redis")
                                .set("rotor.state.redis-url", redis.url())
                                .set("rotor.state.prefix", "budget-" + v.name() + ":");
                    }
                    rotors.add(h.start());
                }
                List<RotorCore> cores =
                        rotors.stream().map(r -> new RotorCore(r.context())).toList();
                AtomicInteger completed = new AtomicInteger();
                AtomicInteger dead = new AtomicInteger();
                double seconds = Bench.runConcurrently(
                        i -> {
                            Exchange exchange = cores.get(i % cores.size()).complete(tasks.get(i));
                            TaskLedger.Entry ended =
                                    exchange.getProperty(ExchangeKeys.LEDGER_ENTRY, TaskLedger.Entry.class);
                            if (exchange.getException() == null && ended != null && ended.completed()) {
                                completed.incrementAndGet();
                            } else {
                                dead.incrementAndGet();
                            }
                        },
                        tasks.size(),
                        CLIENTS);
                long paidCalls =
                        sim.calls().stream().filter(c -> c.model().equals(PAID)).count();
                return new Outcome(completed.get(), dead.get(), paidCalls, sim.charged(PAID), backlog, seconds);
            } finally {
                for (RotorHarness r : rotors) {
                    r.close();
                }
            }
        }
    }

    private static List<String> tasks() throws Exception {
        Random random = new Random(5);
        List<String> tasks = new ArrayList<>();
        for (int i = 0; i < TASKS; i++) {
            int words = 100 + random.nextInt(500);
            StringBuilder prompt = new StringBuilder("Summarise:");
            for (int w = 0; w < words; w++) {
                prompt.append(' ').append(Integer.toString(random.nextInt(1 << 20), 36));
            }
            tasks.add(JSON.writeValueAsString(
                    Map.of("id", "b-" + i, "prompt", prompt.toString(), "max_tokens", 200 + random.nextInt(201))));
        }
        return tasks;
    }
}
