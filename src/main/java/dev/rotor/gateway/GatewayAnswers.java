package dev.rotor.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotor.batch.TaskLedger;
import dev.rotor.chat.ChatResult;
import dev.rotor.chat.stream.OpenStream;
import dev.rotor.core.ExchangeKeys;
import dev.rotor.core.LogContext;
import dev.rotor.models.ModelSpec;
import dev.rotor.rotation.Attempt;
import dev.rotor.rotation.DeadLetterType;
import dev.rotor.rotation.Decision;
import dev.rotor.rotation.TaskProgress;
import dev.rotor.task.Task;
import dev.rotor.tracing.StreamedCall;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP answer to a gateway request: the provider's body with {@code model} naming the model that served, or an
 * error in OpenAI's format; with Rotor's headers and a ledger line as for any task.
 */
public final class GatewayAnswers {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayAnswers.class);
    public static final String MODEL_HEADER = "X-Rotor-Model";
    public static final String ATTEMPTS_HEADER = "X-Rotor-Attempts";
    public static final String ROTATIONS_HEADER = "X-Rotor-Rotations";

    private final ObjectMapper json;
    private final Clock clock;
    private final StreamRelays streams;
    private final StreamRescue rescue;

    public GatewayAnswers(ObjectMapper json, Clock clock, StreamRelays streams, StreamRescue rescue) {
        this.json = json;
        this.clock = clock;
        this.streams = streams;
        this.rescue = rescue;
    }

    public void completed(Exchange exchange) throws JsonProcessingException {
        ChatResult result = exchange.getProperty(ExchangeKeys.RESULT, ChatResult.class);
        ModelSpec model = exchange.getProperty(ExchangeKeys.MODEL, ModelSpec.class);
        TaskProgress progress = exchange.getProperty(ExchangeKeys.PROGRESS, TaskProgress.class);
        String id = exchange.getProperty(ExchangeKeys.TASK_ID, String.class);
        Map<String, String> headers = Map.of(
                MODEL_HEADER,
                model.id(),
                ATTEMPTS_HEADER,
                Integer.toString(progress.attempts().size()),
                ROTATIONS_HEADER,
                Integer.toString(progress.rotations()),
                GatewayIntake.REQUEST_ID_HEADER,
                id);
        exchange.getMessage().removeHeaders("*");
        OpenStream open = exchange.getProperty(ExchangeKeys.OPEN_STREAM, OpenStream.class);
        ModelSpec served = model;
        if (open != null) {
            // a stream another model finished is that model's answer
            served = stream(exchange, open, model, id, headers);
        } else {
            ObjectNode body = result.body() instanceof ObjectNode o ? o : json.createObjectNode();
            body.put("model", model.id());
            answer(exchange, 200, headers, json.writeValueAsBytes(body));
        }
        exchange.setProperty(
                ExchangeKeys.LEDGER_ENTRY,
                new TaskLedger.Entry(
                        id,
                        "completed",
                        served.id(),
                        progress.rotations(),
                        progress.attempts().size(),
                        elapsedMs(exchange),
                        false,
                        null,
                        null));
    }

    /** Sends the headers, then relays the stream; the response is ended when this returns, by the model it names. */
    private ModelSpec stream(
            Exchange exchange, OpenStream open, ModelSpec model, String id, Map<String, String> headers) {
        HttpServerResponse response = exchange.getProperty(ExchangeKeys.HTTP_RESPONSE, HttpServerResponse.class);
        exchange.getMessage().setBody(null);
        response.setStatusCode(200)
                .setChunked(true)
                .putHeader("Content-Type", "text/event-stream")
                .putHeader("Cache-Control", "no-cache");
        headers.forEach(response::putHeader);
        Map<String, String> sent = new LinkedHashMap<>(headers);
        sent.put("Content-Type", "text/event-stream");
        TaskProgress progress = exchange.getProperty(ExchangeKeys.PROGRESS, TaskProgress.class);
        Task task = exchange.getProperty(ExchangeKeys.TASK, Task.class);
        AnswerRecording recording = exchange.getProperty(ExchangeKeys.ANSWER_RECORDING, AnswerRecording.class);
        return streams.relay(
                open,
                model,
                id,
                response,
                recording,
                sent,
                rescue.of(progress, task.request().orElse(null)),
                progress.size().rawInputTokens(),
                exchange.getProperty(ExchangeKeys.STREAMED_CALL, StreamedCall.class));
    }

    /** The rotation core gave the request up: the reason, as the status and error a client of OpenAI expects. */
    public void failed(Exchange exchange) throws JsonProcessingException {
        TaskProgress progress = exchange.getProperty(ExchangeKeys.PROGRESS, TaskProgress.class);
        String id = exchange.getProperty(ExchangeKeys.TASK_ID, String.class);
        Decision.GiveUp giveUp = exchange.getProperty(ExchangeKeys.DECISION) instanceof Decision.GiveUp g
                ? g
                : new Decision.GiveUp(
                        DeadLetterType.EXHAUSTED, String.valueOf(exchange.getProperty(Exchange.EXCEPTION_CAUGHT)));
        OpenAiError error = errorFor(giveUp, progress);
        try (var log = LogContext.of(progress, id)) {
            LOG.warn(
                    "gateway request failed with {} ({}): {}",
                    error.status(),
                    giveUp.type().label(),
                    giveUp.reason());
        }
        write(exchange, error);
        List<Attempt> attempts = progress.attempts();
        String last =
                attempts.isEmpty() ? "-" : attempts.get(attempts.size() - 1).model();
        exchange.setProperty(
                ExchangeKeys.LEDGER_ENTRY,
                new TaskLedger.Entry(
                        id,
                        "failed",
                        last,
                        progress.rotations(),
                        attempts.size(),
                        elapsedMs(exchange),
                        false,
                        giveUp.type().label(),
                        giveUp.reason()));
    }

    /** A request the gateway refused before it became a task: bad input, no key, too many in flight. */
    public void refused(Exchange exchange) throws JsonProcessingException {
        GatewayException refused = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, GatewayException.class);
        write(exchange, refused.error());
    }

    private OpenAiError errorFor(Decision.GiveUp giveUp, TaskProgress progress) {
        String tried = " (" + progress.attempts().size() + " attempts over "
                + progress.chain().size() + " models)";
        if (giveUp.type() == DeadLetterType.DEADLINE
                && !progress.attempts().isEmpty()
                && !clock.instant().isBefore(progress.deadline())) {
            // the deadline passed while a model was answering: the call was abandoned, not waited for
            return new OpenAiError(
                    504,
                    "The request's deadline passed while "
                            + progress.attempts()
                                    .get(progress.attempts().size() - 1)
                                    .model() + " was answering; the call was abandoned" + tried,
                    "timeout_error",
                    "deadline_exceeded",
                    null,
                    OptionalLong.empty());
        }
        return switch (giveUp.type()) {
            case DEADLINE ->
                new OpenAiError(
                        429,
                        "No model can serve this request before its deadline: " + giveUp.reason(),
                        "rate_limit_error",
                        "rate_limit_exceeded",
                        null,
                        OptionalLong.of(giveUp.freeAt().map(this::secondsUntil).orElse(1L)));
            case BAD_REQUEST ->
                new OpenAiError(
                        400,
                        "The provider rejected the request: " + giveUp.reason()
                                + progress.lastFailure()
                                        .map(f -> " (" + f.message() + ")")
                                        .filter(m -> !giveUp.reason().contains(m))
                                        .orElse(""),
                        "invalid_request_error",
                        "provider_rejected",
                        null,
                        OptionalLong.empty());
            case AUTH ->
                new OpenAiError(
                        502,
                        "The provider refused Rotor's key: " + giveUp.reason(),
                        "server_error",
                        "provider_auth",
                        null,
                        OptionalLong.empty());
            default ->
                new OpenAiError(
                        502,
                        "Every model failed" + tried + "; the last error: " + giveUp.reason(),
                        "server_error",
                        "upstream_failed",
                        null,
                        OptionalLong.empty());
        };
    }

    private long secondsUntil(Instant at) {
        long ms = Duration.between(clock.instant(), at).toMillis();
        // Retry-After is whole seconds: round up, so a client that honours it finds the model free
        return Math.max(1, (ms + 999) / 1000);
    }

    private void write(Exchange exchange, OpenAiError error) throws JsonProcessingException {
        String id = exchange.getProperty(ExchangeKeys.TASK_ID, String.class);
        Map<String, String> headers = new LinkedHashMap<>();
        if (id != null) {
            headers.put(GatewayIntake.REQUEST_ID_HEADER, id);
        }
        error.retryAfterSeconds().ifPresent(s -> headers.put("Retry-After", Long.toString(s)));
        answer(exchange, error.status(), headers, json.writeValueAsBytes(error.body(json)));
    }

    /**
     * A JSON answer: written to the client's response at once when there is one (the bookkeeping after it, a ledger
     * line and the exchange's end, is not the client's wait), else set as the message.
     */
    private static void answer(Exchange exchange, int status, Map<String, String> headers, byte[] body) {
        HttpServerResponse response = exchange.getProperty(ExchangeKeys.HTTP_RESPONSE, HttpServerResponse.class);
        AnswerRecording recording = exchange.getProperty(ExchangeKeys.ANSWER_RECORDING, AnswerRecording.class);
        if (recording != null) {
            Map<String, String> sent = new LinkedHashMap<>(headers);
            sent.put("Content-Type", "application/json");
            recording.json(status, sent, body);
        }
        if (response != null) {
            if (response.closed()) {
                // a caller that gave up (its own timeout) is not written to; its answer is recorded for its retry
                return;
            }
            response.setStatusCode(status).putHeader("Content-Type", "application/json");
            headers.forEach(response::putHeader);
            response.end(Buffer.buffer(body));
            return;
        }
        Message out = exchange.getMessage();
        out.removeHeaders("*");
        out.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        out.setHeader(Exchange.CONTENT_TYPE, "application/json");
        headers.forEach(out::setHeader);
        out.setBody(body);
    }

    /** Since the request came in. */
    private long elapsedMs(Exchange exchange) {
        Instant received = exchange.getProperty(ExchangeKeys.RECEIVED_AT, Instant.class);
        return received == null
                ? 0
                : Duration.between(received, clock.instant()).toMillis();
    }
}
