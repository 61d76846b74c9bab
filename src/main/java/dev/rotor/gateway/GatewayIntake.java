package dev.rotor.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotor.core.ExchangeKeys;
import dev.rotor.core.ReplyTarget;
import dev.rotor.limits.InputEstimates;
import dev.rotor.models.ModelSpec;
import dev.rotor.rotation.TaskProgress;
import dev.rotor.task.Task;
import dev.rotor.task.TaskIds;
import dev.rotor.tracing.Traces;
import dev.rotor.transport.Transport;
import dev.rotor.transport.TransportMetrics;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.Exchange;
import org.apache.camel.support.SynchronizationAdapter;

/**
 * Takes a {@code POST /v1/chat/completions} request in: checks the caller's key, the load, the body, and turns it into
 * a task for the rotation core with the models its {@code model} names and the request's deadline.
 */
public final class GatewayIntake {

    /** A caller may ask for a shorter deadline than the gateway's, in milliseconds. */
    public static final String TIMEOUT_HEADER = "X-Rotor-Timeout-Ms";

    public static final String REQUEST_ID_HEADER = "X-Request-Id";

    private final GatewaySettings settings;
    private final ModelChoice choice;
    private final TransportMetrics transports;
    private final GatewayCall calls;
    private final Traces traces;
    private final ObjectMapper json;
    private final Clock clock;
    private final GatewayKeys keys;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final InputEstimates estimates;

    public GatewayIntake(
            GatewaySettings settings,
            ModelChoice choice,
            TransportMetrics transports,
            ObjectMapper json,
            Clock clock,
            InputEstimates estimates,
            GatewayCall calls,
            Traces traces) {
        this.traces = traces;
        this.calls = calls;
        this.estimates = estimates;
        this.settings = settings;
        this.choice = choice;
        this.transports = transports;
        this.json = json;
        this.clock = clock;
        this.keys = new GatewayKeys(settings.keys());
    }

    public void accept(Exchange exchange) throws GatewayException {
        Instant received = clock.instant();
        exchange.setProperty(ExchangeKeys.RECEIVED_AT, received);
        String id = requestId(exchange);
        exchange.setProperty(ExchangeKeys.TASK_ID, id);
        checkKey(exchange);
        admit(exchange);
        // a body over rotor.gateway.max-body never gets here: ChatCompletionsHandler answers it with 413
        byte[] raw = exchange.getIn().getBody(byte[].class);
        String type = exchange.getIn().getHeader(Exchange.CONTENT_TYPE, "", String.class);
        if (type.contains("form-urlencoded") || type.contains("multipart/")) {
            // the HTTP server reads a form into fields: its body is gone; curl -d sends one unless told otherwise
            throw new GatewayException(new OpenAiError(
                    415,
                    "The body must be JSON, sent with 'Content-Type: " + "application/json', not " + type,
                    "invalid_request_error",
                    "unsupported_media_type",
                    "body",
                    OptionalLong.empty()));
        }
        ObjectNode request = parse(raw);
        JsonNode messages = request.get("messages");
        if (messages == null || !messages.isArray() || messages.isEmpty()) {
            throw GatewayException.badRequest(
                    "'messages' must be a non-empty array of chat messages",
                    "messages",
                    messages == null ? "missing_required_parameter" : "invalid_type");
        }
        JsonNode model = request.get("model");
        if (model != null && !model.isNull() && !model.isTextual()) {
            throw GatewayException.badRequest(
                    "'model' must be a string: a chain, a model id or 'rotor'", "model", "invalid_type");
        }
        List<ModelSpec> chain = choice.chainFor(
                Optional.ofNullable(model).filter(JsonNode::isTextual).map(JsonNode::asText));
        transports.received(exchange, Transport.HTTP);
        // its answer goes back on the request, and its calls are the gateway's own, bounded by its deadline
        ReplyTarget.GATEWAY.applyTo(exchange);
        exchange.setProperty(ExchangeKeys.CALLER, calls);
        boolean streamed = request.path("stream").asBoolean(false);
        exchange.setProperty(ExchangeKeys.STREAMED, streamed);
        // a streamed answer is relayed as it comes, unchecked: only a whole answer can be judged before the client has
        // it
        Task task = streamed ? Task.ofRequest(id, request).checkedOnlyForAnAnswer() : Task.ofRequest(id, request);
        exchange.setProperty(ExchangeKeys.TASK, task);
        TaskProgress progress =
                new TaskProgress(id, chain, received.plus(deadline(exchange)), estimates.sizeOfRequest(request));
        progress.answerKind(task.expects().kind());
        exchange.setProperty(ExchangeKeys.PROGRESS, progress);
        traces.startTask(exchange, progress);
    }

    /** The caller's own request id, when it is a usable one; else a new one. */
    private static String requestId(Exchange exchange) {
        String given = exchange.getIn().getHeader(REQUEST_ID_HEADER, String.class);
        if (given != null && !given.isBlank() && given.length() <= 128) {
            String clean = TaskIds.sanitise(given.strip());
            if (clean.equals(given.strip())) {
                return clean;
            }
        }
        return "gw-" + UUID.randomUUID();
    }

    private void checkKey(Exchange exchange) throws GatewayException {
        if (!keys.admit(exchange.getIn().getHeader("Authorization", String.class))) {
            throw new GatewayException(new OpenAiError(
                    401,
                    "A gateway key is needed: send 'Authorization: Bearer "
                            + "<key>' with one of the keys in ROTOR_GATEWAY_KEYS",
                    "invalid_request_error",
                    "invalid_api_key",
                    null,
                    OptionalLong.empty()));
        }
    }

    /**
     * Counts the request in flight until its answer ends or its exchange does, whichever is first (the answer is
     * written before the exchange's bookkeeping ends, and a client may send its next request at once); refuses one over
     * the limit.
     */
    private void admit(Exchange exchange) throws GatewayException {
        if (inFlight.incrementAndGet() > settings.maxInFlight()) {
            inFlight.decrementAndGet();
            throw new GatewayException(new OpenAiError(
                    503,
                    "The gateway is serving " + settings.maxInFlight()
                            + " requests, its limit (rotor.gateway.max-in-flight); try again shortly",
                    "server_error",
                    "overloaded",
                    null,
                    OptionalLong.of(1)));
        }
        AtomicBoolean released = new AtomicBoolean();
        Runnable release = () -> {
            if (released.compareAndSet(false, true)) {
                inFlight.decrementAndGet();
            }
        };
        exchange.setProperty(ExchangeKeys.GATEWAY_RELEASE, release);
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onDone(Exchange ended) {
                release.run();
            }
        });
    }

    private ObjectNode parse(byte[] raw) throws GatewayException {
        if (raw == null || raw.length == 0) {
            throw GatewayException.badRequest(
                    "The request has no body: send a chat-completions JSON object", "body", "invalid_json");
        }
        JsonNode root;
        try {
            root = json.readTree(raw);
        } catch (JsonProcessingException e) {
            throw GatewayException.badRequest(
                    "The body is not valid JSON: " + e.getOriginalMessage(), "body", "invalid_json");
        } catch (IOException e) {
            throw GatewayException.badRequest("The body could not be read: " + e.getMessage(), "body", "invalid_json");
        }
        if (!(root instanceof ObjectNode request)) {
            throw GatewayException.badRequest("The body must be a JSON object", "body", "invalid_type");
        }
        return request;
    }

    private Duration deadline(Exchange exchange) throws GatewayException {
        String asked = exchange.getIn().getHeader(TIMEOUT_HEADER, String.class);
        if (asked == null || asked.isBlank()) {
            return settings.deadline();
        }
        try {
            long ms = Long.parseLong(asked.strip());
            if (ms <= 0) {
                throw new NumberFormatException();
            }
            return ms < settings.deadline().toMillis() ? Duration.ofMillis(ms) : settings.deadline();
        } catch (NumberFormatException e) {
            throw GatewayException.badRequest(
                    TIMEOUT_HEADER + " must be a positive whole number of milliseconds, got '" + asked + "'",
                    TIMEOUT_HEADER,
                    "invalid_value");
        }
    }

    public int inFlight() {
        return inFlight.get();
    }
}
