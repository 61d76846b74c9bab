package dev.rotor.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotor.answers.AnswerChecker;
import dev.rotor.answers.Expectations;
import dev.rotor.answers.ExpectationsReader;
import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.RotorHarness;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Answers checked against their tasks, side by side in one run: 1,000 extraction tasks with a json_schema (nested
 * objects, arrays, enums) over a chain of three models whose answers fail 30 %, 10 % and 2 % of the time with mixed
 * faults (cut off, fenced or prose-wrapped JSON, broken JSON, JSON off its schema, refusals, content filters, reasoning
 * with no content), with the checks on and with them off. Every completed result is judged here on its own, by a check
 * written for this schema (not Rotor's validator). Then the checker's own time per answer. Run with {@code bench/run
 * answers}; writes {@code bench/results.json} under {@code answers}.
 */
public final class AnswersBenchmark {

    private static final int TASKS = Integer.getInteger("bench.answers.tasks", 1000);
    private static final int CONCURRENCY = 8;
    private static final long LATENCY_MS = 5;
    private static final String[] MODELS = {"sim/first", "sim/second", "sim/third"};
    private static final double[] FAULT_RATES = {0.30, 0.10, 0.02};
    private static final String[] FAULTS = {
        "truncated",
        "fenced-json",
        "prose-json",
        "broken-json",
        "schema-break",
        "refusal",
        "content-filter",
        "reasoning-only",
        "reasoning-only-deepseek"
    };
    private static final double MAX_CALLS_PER_TASK = 1.5;
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(10);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final Set<String> COUNTRIES = Set.of("DE", "FR", "US", "GB");
    private static final Set<String> CURRENCIES = Set.of("EUR", "USD", "GBP");
    private static final Set<String> STATUSES = Set.of("paid", "due", "overdue");
    static final String SCHEMA = """
            {"type": "object", "additionalProperties": false,
             "required": ["invoice_number", "customer", "items", "total", "currency", "status"],
             "properties": {
               "invoice_number": {"type": "string"},
               "customer": {"type": "object", "required": ["name", "country"], "additionalProperties": false,
                 "properties": {"name": {"type": "string"}, "country": {"enum": ["DE", "FR", "US", "GB"]}}},
               "items": {"type": "array", "minItems": 1, "items": {"type": "object",
                 "required": ["sku", "quantity", "price"], "additionalProperties": false,
                 "properties": {"sku": {"type": "string"}, "quantity": {"type": "integer", "minimum": 1},
                                "price": {"type": "number", "minimum": 0}}}},
               "total": {"type": "number"},
               "currency": {"enum": ["EUR", "USD", "GBP"]},
               "status": {"enum": ["paid", "due", "overdue"]}}}""";

    private AnswersBenchmark() {}

    /** One run of the backlog, and what this benchmark found in its outcomes. */
    record Run(
            String name,
            int completed,
            int invalidAnswer,
            int otherDeadLetters,
            int lost,
            int completedInvalid,
            int completedTruncated,
            int completedBad,
            long calls,
            Map<String, Integer> verdicts,
            double seconds) {

        double callsPerTask() {
            return calls / (double) TASKS;
        }

        Map<String, Object> figures() {
            Map<String, Object> f = new LinkedHashMap<>();
            f.put("completed", completed);
            f.put("dead_lettered_invalid_answer", invalidAnswer);
            f.put("dead_lettered_other", otherDeadLetters);
            f.put("lost", lost);
            f.put("completed_off_schema", completedInvalid);
            f.put("completed_truncated", completedTruncated);
            f.put("bad_answers_filed_as_completed", completedBad);
            f.put("calls", calls);
            f.put("calls_per_task", Bench.round(callsPerTask()));
            f.put("verdicts", verdicts);
            f.put("seconds", Bench.round(seconds));
            return f;
        }
    }

    public static void main(String[] args) throws Exception {
        Path work = Files.createTempDirectory("rotor-answers");
        System.out.printf(
                Locale.ROOT,
                "Answers: %d extraction tasks with a json_schema over %d models failing %s of "
                        + "their answers (%s), concurrency %d, simulator latency %d ms%n",
                TASKS,
                MODELS.length,
                List.of("30 %", "10 %", "2 %"),
                String.join(", ", FAULTS),
                CONCURRENCY,
                LATENCY_MS);
        Run on = run(work.resolve("checks-on"), "checks_on", true);
        Run off = run(work.resolve("checks-off"), "checks_off", false);
        for (Run r : List.of(on, off)) {
            System.out.printf(
                    Locale.ROOT,
                    "%-10s completed %4d, dead-lettered invalid_answer %3d (other %d), lost %d; "
                            + "completed but off the schema %3d, truncated %3d; %.3f calls a task; %.1f s%n  verdicts %s%n",
                    r.name(),
                    r.completed(),
                    r.invalidAnswer(),
                    r.otherDeadLetters(),
                    r.lost(),
                    r.completedInvalid(),
                    r.completedTruncated(),
                    r.callsPerTask(),
                    r.seconds(),
                    r.verdicts());
        }
        Map<String, Double> cost = checkCost();
        System.out.printf(
                Locale.ROOT,
                "checker time per answer at p50: %.1f us against the json_schema, %.1f us for a " + "plain task%n",
                cost.get("json_schema_p50_us"),
                cost.get("plain_p50_us"));
        boolean allValid = on.completedInvalid() == 0 && on.completedBad() == 0;
        boolean noTruncated = on.completedTruncated() == 0;
        boolean calls = on.callsPerTask() <= MAX_CALLS_PER_TASK;
        boolean noneLost = on.lost() == 0 && on.otherDeadLetters() == 0 && on.completed() + on.invalidAnswer() == TASKS;
        System.out.printf(
                Locale.ROOT,
                "targets (checks on): every completed result valid %s, none truncated %s, "
                        + "at most %.1f calls a task %s (%.3f), every task completed or invalid_answer, none lost %s%n",
                mark(allValid),
                mark(noTruncated),
                MAX_CALLS_PER_TASK,
                mark(calls),
                on.callsPerTask(),
                mark(noneLost));
        System.out.printf(
                Locale.ROOT,
                "checks off: %d bad answers filed as completed (checks on: %d)%n",
                off.completedBad(),
                on.completedBad());
        Map<String, Object> figures = new LinkedHashMap<>();
        figures.put("tasks", TASKS);
        figures.put("models", List.of(MODELS));
        figures.put("fault_rates", List.of(0.30, 0.10, 0.02));
        figures.put("faults", List.of(FAULTS));
        figures.put("checks_on", on.figures());
        figures.put("checks_off", off.figures());
        figures.put("check_cost", cost);
        Map<String, Object> met = new LinkedHashMap<>();
        met.put("every_completed_valid", allValid);
        met.put("none_truncated", noTruncated);
        met.put("calls_per_task_at_most_1_5", calls);
        met.put("none_lost", noneLost);
        figures.put("targets_met", met);
        Bench.writeResults("answers", figures);
    }

    private static String mark(boolean met) {
        return met ? "met" : "NOT MET";
    }

    private static Scenario scenario() {
        Scenario.Builder s = Scenario.builder()
                .latencyMs(LATENCY_MS)
                .serveUnknownModels(false)
                .seed(11);
        for (int i = 0; i < MODELS.length; i++) {
            s.model(MODELS[i], Scenario.ModelBehaviour.unlimited().withFaults(FAULT_RATES[i], FAULTS));
        }
        return s.build();
    }

    private static String task(int i) throws Exception {
        ObjectNode task = JSON.createObjectNode();
        task.put("id", "inv-" + i);
        task.put(
                "prompt",
                "Extract the invoice as JSON: Invoice " + (10_000 + i) + " for Harbour Signal GmbH (DE), " + (1 + i % 4)
                        + " items, due in EUR.");
        task.put("max_tokens", 400);
        ObjectNode format = task.putObject("response_format").put("type", "json_schema");
        format.putObject("json_schema").put("name", "invoice").set("schema", JSON.readTree(SCHEMA));
        return JSON.writeValueAsString(task);
    }

    private static Run run(Path root, String name, boolean checks) throws Exception {
        try (SimulatorServer sim = SimulatorServer.start(scenario());
                RotorHarness rotor = RotorHarness.on(root, sim, MODELS)
                        .set("rotor.concurrency", Integer.toString(CONCURRENCY))
                        .set("rotor.answers.checks", checks ? "on" : "off")
                        .start()) {
            long start = System.nanoTime();
            for (int i = 0; i < TASKS; i++) {
                rotor.drop("inv-" + i + ".json", task(i));
            }
            rotor.awaitEnded(TASKS, RUN_TIMEOUT);
            double seconds = (System.nanoTime() - start) / 1e9;
            int completed = 0;
            int invalidAnswer = 0;
            int other = 0;
            int lost = 0;
            int offSchema = 0;
            int truncated = 0;
            int bad = 0;
            Map<String, Integer> verdicts = new TreeMap<>();
            for (int i = 0; i < TASKS; i++) {
                Path result = rotor.outbox().resolve("inv-" + i + ".json");
                Path dead = rotor.failed().resolve("inv-" + i + ".json");
                JsonNode doc = Files.exists(result)
                        ? RotorHarness.read(result)
                        : Files.exists(dead) ? RotorHarness.read(dead) : null;
                if (doc == null) {
                    lost++;
                    continue;
                }
                doc.path("attempts").findValuesAsText("verdict").forEach(v -> verdicts.merge(v, 1, Integer::sum));
                if (Files.exists(result)) {
                    completed++;
                    boolean invalid = !validInvoice(doc.path("content").asText());
                    boolean cut = wasTruncated(doc);
                    offSchema += invalid ? 1 : 0;
                    truncated += cut ? 1 : 0;
                    bad += invalid || cut ? 1 : 0;
                } else if ("invalid_answer"
                        .equals(doc.path("error").path("type").asText())) {
                    invalidAnswer++;
                } else {
                    other++;
                }
            }
            return new Run(
                    name,
                    completed,
                    invalidAnswer,
                    other,
                    lost,
                    offSchema,
                    truncated,
                    bad,
                    sim.calls().size(),
                    verdicts,
                    seconds);
        }
    }

    /** An answer cut off at max_tokens, by the finish reason the provider gave (recorded with checks on or off). */
    private static boolean wasTruncated(JsonNode result) {
        return "length".equals(result.path("finish_reason").asText());
    }

    /** The invoice schema, checked by hand: the content must be exactly such a JSON object, no fences, no prose. */
    static boolean validInvoice(String content) {
        JsonNode v;
        try {
            v = JSON.readTree(content);
        } catch (Exception e) {
            return false;
        }
        if (v == null
                || !v.isObject()
                || !onlyFields(v, "invoice_number", "customer", "items", "total", "currency", "status")) {
            return false;
        }
        JsonNode customer = v.path("customer");
        boolean customerOk = customer.isObject()
                && onlyFields(customer, "name", "country")
                && customer.path("name").isTextual()
                && COUNTRIES.contains(customer.path("country").asText(null));
        JsonNode items = v.path("items");
        boolean itemsOk = items.isArray() && !items.isEmpty();
        for (JsonNode item : items) {
            itemsOk &= item.isObject()
                    && onlyFields(item, "sku", "quantity", "price")
                    && item.path("sku").isTextual()
                    && item.path("quantity").isIntegralNumber()
                    && item.path("quantity").asLong() >= 1
                    && item.path("price").isNumber()
                    && item.path("price").asDouble() >= 0;
        }
        return v.path("invoice_number").isTextual()
                && customerOk
                && itemsOk
                && v.path("total").isNumber()
                && v.path("currency").isTextual()
                && CURRENCIES.contains(v.path("currency").asText())
                && v.path("status").isTextual()
                && STATUSES.contains(v.path("status").asText());
    }

    /** Exactly these fields: every one present, no other. */
    private static boolean onlyFields(JsonNode object, String... fields) {
        if (object.size() != fields.length) {
            return false;
        }
        for (String f : fields) {
            if (!object.has(f)) {
                return false;
            }
        }
        return true;
    }

    /** The checker's time per answer, nearest-rank p50 over valid answers, against the schema and for a plain task. */
    private static Map<String, Double> checkCost() throws Exception {
        AnswerChecker checker = new AnswerChecker(JSON, false);
        ObjectNode fields = JSON.createObjectNode();
        ObjectNode format = fields.putObject("response_format").put("type", "json_schema");
        format.putObject("json_schema").put("name", "invoice").set("schema", JSON.readTree(SCHEMA));
        Expectations schema = ExpectationsReader.read(fields, null);
        List<JsonNode> answers = new ArrayList<>();
        try (SimulatorServer sim = SimulatorServer.start(Scenario.builder()
                .model("sim/x", Scenario.ModelBehaviour.unlimited())
                .build())) {
            for (int i = 0; i < 200; i++) {
                answers.add(JSON.readTree(post(sim, task(i))));
            }
        }
        int rounds = 50;
        long[] withSchema = new long[answers.size() * rounds];
        long[] plain = new long[answers.size() * rounds];
        int n = 0;
        for (int r = 0; r < rounds + 10; r++) {
            Iterator<JsonNode> it = answers.iterator();
            while (it.hasNext()) {
                JsonNode answer = it.next();
                long t0 = System.nanoTime();
                checker.verdict(answer, schema);
                long t1 = System.nanoTime();
                checker.verdict(answer, Expectations.PLAIN);
                long t2 = System.nanoTime();
                // the first rounds warm the JIT up
                if (r >= 10) {
                    withSchema[n] = t1 - t0;
                    plain[n] = t2 - t1;
                    n++;
                }
            }
        }
        Arrays.sort(withSchema);
        Arrays.sort(plain);
        Map<String, Double> cost = new LinkedHashMap<>();
        cost.put("json_schema_p50_us", Math.round(Bench.percentile(withSchema, 0.5) / 100.0) / 10.0);
        cost.put("json_schema_p99_us", Math.round(Bench.percentile(withSchema, 0.99) / 100.0) / 10.0);
        cost.put("plain_p50_us", Math.round(Bench.percentile(plain, 0.5) / 100.0) / 10.0);
        return cost;
    }

    /** The task's request as Rotor sends it, straight to the simulator: a real answer to check. */
    private static String post(SimulatorServer sim, String task) throws Exception {
        ObjectNode t = (ObjectNode) JSON.readTree(task);
        ObjectNode body = JSON.createObjectNode().put("model", "sim/x");
        body.putArray("messages")
                .addObject()
                .put("role", "user")
                .put("content", t.path("prompt").asText());
        body.set("response_format", t.get("response_format"));
        body.put("max_tokens", 400);
        HttpRequest request = HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/chat/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString()).body();
    }
}
