package dev.rotor.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotor.answers.AnswerVerdict;
import dev.rotor.batch.TaskLedger;
import dev.rotor.chat.ChatResult;
import dev.rotor.models.ModelSpec;
import dev.rotor.models.Money;
import dev.rotor.rotation.Attempt;
import dev.rotor.rotation.DeadLetterType;
import dev.rotor.rotation.Decision;
import dev.rotor.rotation.TaskProgress;
import dev.rotor.task.InvalidTaskException;
import dev.rotor.task.Task;
import dev.rotor.tracing.Traces;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** Writes the two documents a task can end as: a result, or a dead letter with its reason and every attempt. */
public final class Outcomes {

    private static final Logger LOG = LoggerFactory.getLogger(Outcomes.class);

    /** How much of an unusable input a dead letter quotes; the input file itself is kept whole in the done folder. */
    static final int RAW_QUOTE_LIMIT = 64 * 1024;

    private static final String COMPLETED = "completed";
    private static final String FAILED = "failed";

    private final Traces traces;
    private final ObjectMapper json;
    private final ObjectWriter writer;
    private final Clock clock;
    private final Set<String> simulatedProviders;

    /**
     * @param pretty indented documents, for files a person opens; on queues and topics each document is one line, so
     *     line tools (a console consumer, {@code jq -c}, {@code grep}) see one record a line
     */
    public Outcomes(ObjectMapper json, Clock clock, Set<String> simulatedProviders, boolean pretty, Traces traces) {
        this.traces = traces;
        this.json = json;
        this.writer = pretty ? json.writerWithDefaultPrettyPrinter() : json.writer();
        this.clock = clock;
        this.simulatedProviders = Set.copyOf(simulatedProviders);
    }

    public void completed(Exchange exchange) {
        Task task = exchange.getProperty(ExchangeKeys.TASK, Task.class);
        TaskProgress progress = exchange.getProperty(ExchangeKeys.PROGRESS, TaskProgress.class);
        ChatResult result = exchange.getProperty(ExchangeKeys.RESULT, ChatResult.class);
        ModelSpec model = exchange.getProperty(ExchangeKeys.MODEL, ModelSpec.class);
        String answeredBy = result.answeringModel().isBlank() ? model.id() : result.answeringModel();
        boolean cached = exchange.getProperty(ExchangeKeys.CACHED) != null;
        long latencyMs = elapsedMs(exchange);
        ObjectNode doc = json.createObjectNode();
        doc.put("id", task.id());
        doc.put("status", COMPLETED);
        doc.put("model", answeredBy);
        doc.put("content", result.content());
        if (!result.toolCalls().isEmpty()) {
            // an answer that calls tools: the calls, their arguments checked against each tool's parameters
            doc.set("tool_calls", result.toolCalls());
        }
        AnswerVerdict.Accepted verdict = exchange.getProperty(ExchangeKeys.VERDICT, AnswerVerdict.Accepted.class);
        if (verdict != null) {
            // why the model stopped, and what the answer was checked against before it counted
            doc.put("finish_reason", verdict.finishReason());
            doc.putPOJO("checked", verdict.checked());
            doc.put("healed", verdict.healed());
        }
        // answered before, for a task that asked the same: no call was made for this one
        doc.put("cached", cached);
        doc.set("usage", result.usage());
        doc.putPOJO("attempts", progress.attempts());
        doc.put("rotations", progress.rotations());
        doc.put("latency_ms", latencyMs);
        // USD, from the answer's usage at the model's price (or the provider's own figure); null when neither says
        progress.cost().ifPresentOrElse(c -> doc.put("cost", Money.usd(c)), () -> doc.putNull("cost"));
        doc.put("simulated", simulatedProviders.contains(model.provider().name()));
        doc.set("metadata", task.metadata());
        write(
                exchange,
                doc,
                new TaskLedger.Entry(
                        task.id(),
                        COMPLETED,
                        answeredBy,
                        progress.rotations(),
                        progress.attempts().size(),
                        latencyMs,
                        cached,
                        null,
                        null));
    }

    public void deadLetter(Exchange exchange) {
        Object decision = exchange.getProperty(ExchangeKeys.DECISION);
        if (decision instanceof Decision.GiveUp giveUp) {
            failure(exchange, giveUp.type(), giveUp.reason());
        } else {
            Exception error = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
            failure(exchange, DeadLetterType.EXHAUSTED, String.valueOf(error));
        }
    }

    public void invalidTask(Exchange exchange) {
        InvalidTaskException error = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, InvalidTaskException.class);
        exchange.setProperty(ExchangeKeys.TASK_ID, error.taskId());
        try (var task = MDC.putCloseable("task", error.taskId())) {
            LOG.warn("dead letter (invalid_task): {}", error.getMessage());
        }
        failure(exchange, DeadLetterType.INVALID_TASK, error.getMessage());
    }

    private void failure(Exchange exchange, DeadLetterType type, String message) {
        String id = exchange.getProperty(ExchangeKeys.TASK_ID, String.class);
        TaskProgress progress = exchange.getProperty(ExchangeKeys.PROGRESS, TaskProgress.class);
        List<Attempt> attempts = progress == null ? List.of() : progress.attempts();
        int rotations = progress == null ? 0 : progress.rotations();
        long latencyMs = elapsedMs(exchange);
        ObjectNode doc = json.createObjectNode();
        doc.put("id", id);
        doc.put("status", FAILED);
        doc.putObject("error").put("type", type.label()).put("message", message);
        doc.putPOJO("attempts", attempts);
        doc.put("rotations", rotations);
        doc.put("latency_ms", latencyMs);
        if (progress != null && progress.lastContent().isPresent()) {
            // what the last answer that failed its checks said
            doc.put("last_content", progress.lastContent().get());
        }
        Task task = exchange.getProperty(ExchangeKeys.TASK, Task.class);
        if (task != null) {
            doc.set("task", task.original());
        } else {
            quoteRaw(doc, exchange.getProperty(ExchangeKeys.RAW_INPUT, byte[].class));
        }
        String lastModel =
                attempts.isEmpty() ? "-" : attempts.get(attempts.size() - 1).model();
        write(
                exchange,
                doc,
                new TaskLedger.Entry(
                        id, FAILED, lastModel, rotations, attempts.size(), latencyMs, false, type.label(), message));
    }

    /** The input as text when it is UTF-8, else as base64; cut at {@link #RAW_QUOTE_LIMIT} bytes. */
    private static void quoteRaw(ObjectNode doc, byte[] raw) {
        if (raw == null) {
            return;
        }
        byte[] quoted = raw.length > RAW_QUOTE_LIMIT ? Arrays.copyOf(raw, RAW_QUOTE_LIMIT) : raw;
        try {
            doc.put(
                    "raw",
                    StandardCharsets.UTF_8
                            .newDecoder()
                            .onMalformedInput(CodingErrorAction.REPORT)
                            .onUnmappableCharacter(CodingErrorAction.REPORT)
                            .decode(ByteBuffer.wrap(quoted))
                            .toString());
        } catch (CharacterCodingException notText) {
            doc.put("raw_base64", Base64.getEncoder().encodeToString(quoted));
        }
        if (quoted.length < raw.length) {
            doc.put("raw_truncated_from_bytes", raw.length);
        }
    }

    private long elapsedMs(Exchange exchange) {
        return elapsedMs(exchange, clock);
    }

    /** How long the task has been in Rotor: since its intake took it. */
    public static long elapsedMs(Exchange exchange, Clock clock) {
        Instant received = exchange.getProperty(ExchangeKeys.RECEIVED_AT, Instant.class);
        return received == null
                ? 0
                : Duration.between(received, clock.instant()).toMillis();
    }

    /** The document becomes the body; its ledger line rides along so the ledger need not read the document back. */
    private void write(Exchange exchange, ObjectNode doc, TaskLedger.Entry entry) {
        exchange.setProperty(ExchangeKeys.LEDGER_ENTRY, entry);
        exchange.getIn().removeHeaders("*");
        traces.injectTaskContext(exchange);
        try {
            exchange.getIn().setBody(writer.writeValueAsBytes(doc));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(
                    "cannot write the outcome of task " + doc.path("id").asText(), e);
        }
    }
}
