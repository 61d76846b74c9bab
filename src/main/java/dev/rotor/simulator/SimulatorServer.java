package dev.rotor.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * An OpenAI-compatible chat-completions server on loopback that answers like OpenRouter: per-model and shared-pool
 * limits (fixed windows, sliding windows, token buckets) with X-RateLimit-* and Retry-After headers, errors in
 * OpenRouter's JSON shape, latency, injected faults. The embedded default when no API key is set, and the upstream of
 * every test and benchmark.
 */
public final class SimulatorServer implements AutoCloseable {

    /**
     * One request as the simulator saw it: which model, what it answered, when, the client's X-Title, the last prompt,
     * its body as sent (null when it had none that parsed) and the trace context it carried (null when none).
     */
    public record Call(
            String model,
            String answer,
            Instant at,
            String title,
            String prompt,
            JsonNode request,
            String traceparent) {}

    static {
        // the JDK server writes headers and body apart: with Nagle on, each answer waits out the client's delayed
        // ACK (about 40 ms), which would make "zero latency" a lie
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int MAX_BODY = 4 * 1024 * 1024;
    /** A scripted 429 asks for this long a pause, long enough that a test can tell waiting from rotating. */
    public static final long SCRIPTED_RETRY_AFTER_SECONDS = 30;

    private final Scenario scenario;
    private final Clock clock;
    private final HttpServer server;
    private final ExecutorService executor;
    private final Random random;
    private final Map<String, Limiter> modelLimits = new HashMap<>();
    private final Map<String, Limiter> poolLimits = new HashMap<>();
    private final Map<String, TokenLimiting> tokenLimits = new HashMap<>();
    private final Map<String, Deque<String>> scripts = new HashMap<>();
    private final List<Call> calls = Collections.synchronizedList(new ArrayList<>());
    /** What each priced model charged for the answers it gave, in USD. */
    private final Map<String, BigDecimal> charged = new ConcurrentHashMap<>();

    private SimulatorServer(Scenario scenario, Clock clock, int port) throws IOException {
        this.scenario = scenario;
        this.clock = clock;
        this.random = new Random(scenario.seed());
        long origin = clock.millis();
        scenario.models().forEach((id, b) -> {
            if (b.limit() > 0) {
                modelLimits.put(id, Limiter.of(b.shape(), b.limit(), b.windowMs(), origin));
            }
            scripts.put(id, new ArrayDeque<>(b.script()));
            if (b.tokens() != null) {
                tokenLimits.put(id, new TokenLimiting(id, b.tokens(), origin));
            }
        });
        scenario.pools().forEach(p -> poolLimits.put(p.name(), Limiter.of(p.shape(), p.limit(), p.windowMs(), origin)));
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 256);
        this.executor = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "simulator");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
    }

    public static SimulatorServer start(Scenario scenario) throws IOException {
        return start(scenario, Clock.systemUTC(), 0);
    }

    public static SimulatorServer start(Scenario scenario, Clock clock, int port) throws IOException {
        return new SimulatorServer(scenario, clock, port);
    }

    /** The base URL to put in a provider's {@code base-url}. */
    public URI baseUrl() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/api/v1");
    }

    public List<Call> calls() {
        synchronized (calls) {
            return List.copyOf(calls);
        }
    }

    public long callsTo(String model) {
        return calls().stream().filter(c -> c.model().equals(model)).count();
    }

    /** The tokens the model's token limit admitted, as its provider counts them; 0 for a model with none. */
    public long tokensAdmitted(String model) {
        TokenLimiting t = tokenLimits.get(model);
        return t == null ? 0 : t.admittedTokens();
    }

    /** What the model charged for its answers so far, in USD, as each answer's usage.cost said. */
    public BigDecimal charged(String model) {
        return charged.getOrDefault(model, BigDecimal.ZERO);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    /** Thrown out of the handler so that the HTTP server drops the connection mid-response. */
    static final class AbortConnection extends RuntimeException {
        AbortConnection() {
            super("connection closed mid-response on purpose", null, false, false);
        }
    }

    private void handle(HttpExchange exchange) {
        try {
            serve(exchange);
            exchange.close();
        } catch (AbortConnection abort) {
            throw abort;
        } catch (IOException | RuntimeException e) {
            // a client that went away mid-answer: nothing to tell anyone
            exchange.close();
        }
    }

    private void serve(HttpExchange exchange) throws IOException {
        {
            if ("GET".equals(exchange.getRequestMethod())
                    && exchange.getRequestURI().getPath().endsWith("/models")) {
                send(exchange, 200, modelList());
                return;
            }
            if (!"POST".equals(exchange.getRequestMethod())
                    || !exchange.getRequestURI().getPath().endsWith("/chat/completions")) {
                sendError(exchange, 404, "Not Found", null);
                return;
            }
            if (scenario.requiredKey() != null
                    && !("Bearer " + scenario.requiredKey())
                            .equals(exchange.getRequestHeaders().getFirst("Authorization"))) {
                calls.add(new Call(
                        "?",
                        "401",
                        clock.instant(),
                        exchange.getRequestHeaders().getFirst("X-Title"),
                        "",
                        null,
                        exchange.getRequestHeaders().getFirst("traceparent")));
                sendError(exchange, 401, "No auth credentials found", null);
                return;
            }
            JsonNode request = readRequest(exchange.getRequestBody());
            String model = request == null ? null : request.path("model").asText(null);
            if (model == null || !request.path("messages").isArray()) {
                sendError(exchange, 400, "Invalid request: 'model' and 'messages' are required", null);
                return;
            }
            Optional<String> refusedPrefill = Prefills.refusal(continuationOf(model), request);
            if (refusedPrefill.isPresent()) {
                calls.add(new Call(
                        model,
                        "400-prefill",
                        clock.instant(),
                        exchange.getRequestHeaders().getFirst("X-Title"),
                        Prefills.prompt(request),
                        request,
                        exchange.getRequestHeaders().getFirst("traceparent")));
                sendError(exchange, 400, refusedPrefill.get(), null);
                return;
            }
            long decided = clock.millis();
            Answer answer = decide(model, request);
            JsonNode messages = request.path("messages");
            calls.add(new Call(
                    model,
                    answer.kind(),
                    clock.instant(),
                    exchange.getRequestHeaders().getFirst("X-Title"),
                    messages.path(messages.size() - 1).path("content").asText(""),
                    request,
                    exchange.getRequestHeaders().getFirst("traceparent")));
            // a limit's refusal comes back at once, as providers answer it before any generation
            if (!answer.kind().startsWith("429-")) {
                pause(latencyOf(model));
            }
            respond(exchange, model, request, answer, decided);
        }
    }

    /**
     * What the simulator answers; for a limit's 429 or a success, the limit to report and how; for a model with token
     * limits, what they counted and said.
     */
    private record Answer(
            String kind, String pool, Limiter limiter, Scenario.Reporting reporting, TokenLimiting.Admission tokens) {
        static Answer of(String kind) {
            return new Answer(kind, null, null, null, null);
        }

        Answer withTokens(TokenLimiting.Admission t) {
            return new Answer(kind, pool, limiter, reporting, t);
        }
    }

    private synchronized Answer decide(String model, JsonNode request) {
        Scenario.ModelBehaviour behaviour = scenario.models().get(model);
        if (behaviour == null && !scenario.serveUnknownModels()) {
            return Answer.of("404");
        }
        if (behaviour != null && behaviour.gone()) {
            return Answer.of("404");
        }
        Deque<String> script = scripts.get(model);
        if (script != null && !script.isEmpty()) {
            String next = script.pollFirst();
            if (!"ok".equals(next)) {
                return Answer.of(next);
            }
        }
        long now = clock.millis();
        for (Scenario.Pool pool : scenario.pools()) {
            Limiter l = poolLimits.get(pool.name());
            if (pool.covers(model) && l.remaining(now) == 0) {
                return new Answer("429-pool", pool.name(), l, pool.reporting(), null);
            }
        }
        Limiter own = modelLimits.get(model);
        if (own != null && own.remaining(now) == 0) {
            return new Answer("429-model", null, own, behaviour.reporting(), null);
        }
        if (behaviour != null
                && behaviour.faultRate() > 0
                && !behaviour.faults().isEmpty()
                && random.nextDouble() < behaviour.faultRate()) {
            return Answer.of(
                    behaviour.faults().get(random.nextInt(behaviour.faults().size())));
        }
        TokenLimiting tokens = tokenLimits.get(model);
        TokenLimiting.Admission counted = tokens == null ? null : tokens.admit(request, now);
        if (counted != null && !counted.admitted()) {
            return Answer.of("429-tokens").withTokens(counted);
        }
        // like OpenRouter, a success reports the tightest limit that reports on success (the account's pools by
        // default, never an upstream model's own limit unless its scenario says so)
        Answer ok = Answer.of("ok").withTokens(counted);
        for (Scenario.Pool pool : scenario.pools()) {
            if (pool.covers(model)) {
                Limiter l = poolLimits.get(pool.name());
                l.tryTake(now);
                ok = tighter(ok, new Answer("ok", pool.name(), l, pool.reporting(), counted), now);
            }
        }
        if (own != null) {
            own.tryTake(now);
            ok = tighter(ok, new Answer("ok", null, own, behaviour.reporting(), counted), now);
        }
        return ok;
    }

    private static Answer tighter(Answer current, Answer candidate, long now) {
        if (!candidate.reporting().onSuccess()) {
            return current;
        }
        return current.limiter() == null
                        || candidate.limiter().remaining(now)
                                < current.limiter().remaining(now)
                ? candidate
                : current;
    }

    /** @param decided when the answer was decided: the limit's headers tell its state then */
    private void respond(HttpExchange exchange, String model, JsonNode request, Answer answer, long decided)
            throws IOException {
        long now = decided;
        if (SseAnswer.isStreamFault(answer.kind())) {
            SseAnswer.write(exchange, completion(model, request, null), answer.kind(), scenario.slowMs());
            return;
        }
        if (AnswerFaults.ALL.contains(answer.kind())) {
            sendCompletion(
                    exchange,
                    request,
                    AnswerFaults.spoil(answer.kind(), (ObjectNode) completion(model, request, null), request));
            return;
        }
        switch (answer.kind()) {
            case "ok" -> {
                if (answer.limiter() != null) {
                    LimitReplies.rateHeaders(
                            exchange, answer.limiter(), answer.limiter().resetMs(now), now);
                }
                if (answer.tokens() != null) {
                    answer.tokens().headers().forEach(exchange.getResponseHeaders()::add);
                }
                sendCompletion(exchange, request, completion(model, request, answer.tokens()));
            }
            case "429-tokens" -> {
                answer.tokens().headers().forEach(exchange.getResponseHeaders()::add);
                send(exchange, answer.tokens().status(), answer.tokens().errorBody());
            }
            case "429-pool" -> {
                Map<String, String> headers =
                        LimitReplies.limitedHeaders(exchange, answer.limiter(), answer.reporting(), now);
                sendError(
                        exchange,
                        429,
                        "Rate limit exceeded: " + answer.pool() + ". ",
                        headers.isEmpty() ? null : LimitReplies.metadataHeaders(JSON, headers));
            }
            case "429-model" -> {
                LimitReplies.limitedHeaders(exchange, answer.limiter(), answer.reporting(), now);
                sendError(exchange, 429, "Provider returned error", upstreamMetadata(model));
            }
            case "429" -> {
                exchange.getResponseHeaders().add("Retry-After", Long.toString(SCRIPTED_RETRY_AFTER_SECONDS));
                sendError(exchange, 429, "Provider returned error", upstreamMetadata(model));
            }
            case "slow" -> {
                pause(scenario.slowMs());
                send(exchange, 200, completion(model, request, null));
            }
            case "close" -> {
                exchange.sendResponseHeaders(200, 4096);
                OutputStream out = exchange.getResponseBody();
                out.write("{\"id\":\"gen-".getBytes(StandardCharsets.UTF_8));
                out.flush();
                throw new AbortConnection();
            }
            // a proxy's error page in place of the answer; such pages carry scripts, and their text reaches logs,
            // dead letters and the status page
            case "not-json" ->
                sendRaw(
                        exchange,
                        200,
                        "text/html",
                        "<html><script>document.title='injected'</script><body>502 Bad Gateway</body></html>");
            case "error-200" -> send(exchange, 200, error(502, "Upstream error mid-generation", null));
            case "empty" -> {
                ObjectNode body = (ObjectNode) completion(model, request, null);
                ((ObjectNode) body.withArray("choices").get(0).get("message")).put("content", "");
                send(exchange, 200, body);
            }
            case "400-context" ->
                sendError(
                        exchange,
                        400,
                        "This endpoint's maximum context length is 8192 tokens. "
                                + "However, you requested about 9000 tokens. Please reduce the length of the messages.",
                        null);
            case "402" ->
                sendError(exchange, 402, "Insufficient credits. Add more using https://openrouter.ai/credits", null);
            case "404" -> sendError(exchange, 404, "No endpoints found for " + model + ".", null);
            case "403" -> sendError(exchange, 403, "Key is disabled", null);
            case "401" -> sendError(exchange, 401, "No auth credentials found", null);
            default -> {
                int status = Integer.parseInt(answer.kind());
                sendError(exchange, status, status >= 500 ? "Internal Server Error" : "Bad Request", null);
            }
        }
    }

    /** A completion as the request asked for it: streamed as SSE chunks, or whole. */
    private void sendCompletion(HttpExchange exchange, JsonNode request, JsonNode completion) throws IOException {
        if (request.path("stream").asBoolean(false)) {
            SseAnswer.write(exchange, completion, null, scenario.slowMs());
        } else {
            send(exchange, 200, completion);
        }
    }

    private static ObjectNode upstreamMetadata(String model) {
        return JSON.createObjectNode()
                .put("provider_name", "Simulated")
                .put("raw", model + " is temporarily rate-limited upstream. Please retry shortly.");
    }

    /** OpenAI's model list: the scenario's models, but those gone. */
    private JsonNode modelList() {
        ObjectNode list = JSON.createObjectNode().put("object", "list");
        var data = list.putArray("data");
        scenario.models().forEach((id, behaviour) -> {
            if (!behaviour.gone()) {
                ObjectNode m =
                        data.addObject().put("id", id).put("object", "model").put("owned_by", "simulator");
                if (behaviour.price() != null) {
                    // as OpenRouter lists them: USD per token, as strings
                    m.putObject("pricing")
                            .put("prompt", behaviour.price().prompt())
                            .put("completion", behaviour.price().completion())
                            .put("request", "0");
                }
            }
        });
        return list;
    }

    private JsonNode completion(String model, JsonNode request, TokenLimiting.Admission tokens) {
        String prompt = Prefills.prompt(request);
        String content = Prefills.continuation(
                        continuationOf(model),
                        request,
                        scenario.models().keySet().stream()
                                .map(m -> wholeAnswer(m, prompt))
                                .toList())
                .orElse(wholeAnswer(model, prompt));
        long promptTokens = tokens != null ? tokens.input() : Math.max(1, prompt.length() / 4);
        long completionTokens = tokens != null ? tokens.output() : Math.max(1, content.length() / 4);
        // as every provider does: an answer longer than max_tokens is cut there, with finish_reason "length"
        long maxTokens = request.path("max_tokens").asLong(Long.MAX_VALUE);
        boolean cut = tokens == null && maxTokens < completionTokens;
        if (cut) {
            content = content.substring(0, (int) Math.max(1, maxTokens * 4));
            completionTokens = maxTokens;
        }
        ObjectNode body = JSON.createObjectNode();
        body.put("id", "gen-sim-" + Long.toHexString(random().nextLong()));
        body.put("object", "chat.completion");
        body.put("created", clock.instant().getEpochSecond());
        body.put("model", model);
        ObjectNode choice = body.putArray("choices").addObject();
        choice.put("index", 0);
        JsonNode tools = request.path("tools");
        String format = request.path("response_format").path("type").asText("text");
        if (tools.isArray() && !tools.isEmpty()) {
            // as OpenAI's models do when offered tools: call the first, with arguments that match its parameters
            JsonNode function = tools.path(0).path("function");
            ObjectNode message =
                    choice.putObject("message").put("role", "assistant").putNull("content");
            message.putArray("tool_calls")
                    .addObject()
                    .put("id", "call_sim_1")
                    .put("type", "function")
                    .putObject("function")
                    .put("name", function.path("name").asText("tool"))
                    .put(
                            "arguments",
                            function.path("parameters").isObject()
                                    ? examples().of(function.get("parameters")).toString()
                                    : "{}");
            choice.put("finish_reason", "tool_calls");
        } else if (format.equals("json_schema") || format.equals("json_object")) {
            // as a model that follows response_format: a JSON text, matching the schema when one is given
            JsonNode schema =
                    request.path("response_format").path("json_schema").path("schema");
            JsonNode value = schema.isObject()
                    ? examples().of(schema)
                    : JSON.createObjectNode().put("answer", content);
            choice.putObject("message").put("role", "assistant").put("content", value.toString());
            choice.put("finish_reason", "stop");
        } else {
            choice.putObject("message").put("role", "assistant").put("content", content);
            choice.put("finish_reason", cut ? "length" : "stop");
        }
        ObjectNode usage = body.putObject("usage")
                .put("prompt_tokens", promptTokens)
                .put("completion_tokens", completionTokens)
                .put("total_tokens", promptTokens + completionTokens);
        Scenario.ModelBehaviour behaviour = scenario.models().get(model);
        if (behaviour != null && behaviour.price() != null) {
            // OpenRouter reports what a call cost in USD
            BigDecimal cost = new BigDecimal(behaviour.price().prompt())
                    .multiply(BigDecimal.valueOf(promptTokens))
                    .add(new BigDecimal(behaviour.price().completion()).multiply(BigDecimal.valueOf(completionTokens)));
            usage.put("cost", cost);
            charged.merge(model, cost, BigDecimal::add);
        }
        return body;
    }

    private static String wholeAnswer(String model, String prompt) {
        return "Simulated answer from " + model + " to: "
                + (prompt.length() > 60 ? prompt.substring(0, 60) + "..." : prompt);
    }

    private String continuationOf(String model) {
        Scenario.ModelBehaviour behaviour = scenario.models().get(model);
        return behaviour == null ? "prefill" : behaviour.continuation();
    }

    private synchronized Random random() {
        return random;
    }

    /** Example values drawn from the simulator's own seeded randomness, so a scenario's answers repeat. */
    private synchronized SchemaExample examples() {
        return new SchemaExample(new Random(random.nextLong()));
    }

    private static JsonNode error(int code, String message, ObjectNode metadata) {
        ObjectNode body = JSON.createObjectNode();
        ObjectNode error = body.putObject("error");
        error.put("message", message);
        error.put("code", code);
        if (metadata != null) {
            error.set("metadata", metadata);
        }
        return body;
    }

    private static void sendError(HttpExchange exchange, int status, String message, ObjectNode metadata)
            throws IOException {
        send(exchange, status, error(status, message, metadata));
    }

    private static void send(HttpExchange exchange, int status, JsonNode body) throws IOException {
        sendRaw(exchange, status, "application/json", JSON.writeValueAsString(body));
    }

    private static void sendRaw(HttpExchange exchange, int status, String contentType, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    private static JsonNode readRequest(InputStream in) throws IOException {
        byte[] bytes = in.readNBytes(MAX_BODY);
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            return null;
        }
    }

    private long latencyOf(String model) {
        Scenario.ModelBehaviour b = scenario.models().get(model);
        return b != null && b.latencyMs() != null ? b.latencyMs() : scenario.latencyMs();
    }

    /** Simulated network and generation time. */
    static void pause(long ms) {
        if (ms <= 0) {
            return;
        }
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
