package dev.rotor.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.rotor.limits.InputEstimates;
import dev.rotor.limits.TaskSize;
import dev.rotor.models.ModelRegistry;
import dev.rotor.models.ModelSpec;
import dev.rotor.rotation.ProgressSnapshot;
import dev.rotor.rotation.TaskProgress;
import dev.rotor.task.InvalidTaskException;
import dev.rotor.task.Task;
import dev.rotor.task.TaskIds;
import dev.rotor.task.TaskParser;
import dev.rotor.tracing.Traces;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import org.apache.camel.Exchange;

/** The one step every intake route shares: parse and validate the input, and give the task its chain and deadline. */
public final class TaskIntake {

    private final TaskParser parser;
    private final ModelRegistry registry;
    private final Clock clock;
    private final Duration deadline;

    private final Parking parking;
    private final InputEstimates estimates;
    private final Traces traces;

    public TaskIntake(
            TaskParser parser,
            ModelRegistry registry,
            Clock clock,
            Duration deadline,
            Parking parking,
            InputEstimates estimates,
            Traces traces) {
        this.traces = traces;
        this.parking = parking;
        this.estimates = estimates;
        this.parser = parser;
        this.registry = registry;
        this.clock = clock;
        this.deadline = deadline;
    }

    public void accept(Exchange exchange) throws InvalidTaskException, JsonProcessingException {
        exchange.setProperty(ExchangeKeys.RECEIVED_AT, clock.instant());
        String fallbackId = fallbackId(exchange);
        exchange.setProperty(ExchangeKeys.TASK_ID, TaskIds.sanitise(fallbackId));
        Long length = exchange.getIn().getHeader(Exchange.FILE_LENGTH, Long.class);
        if (length != null && length > TaskParser.MAX_BYTES) {
            throw new InvalidTaskException(
                    TaskIds.sanitise(fallbackId),
                    "input is " + length + " bytes, over the limit of " + TaskParser.MAX_BYTES);
        }
        byte[] raw = exchange.getIn().getBody(byte[].class);
        exchange.setProperty(ExchangeKeys.RAW_INPUT, raw);
        Task task = parser.parse(raw, fallbackId);
        exchange.setProperty(ExchangeKeys.TASK, task);
        exchange.setProperty(ExchangeKeys.TASK_ID, task.id());
        ProgressSnapshot carried = parking.carried(exchange);
        TaskSize size = estimates.size(
                task.messages(),
                task.fields(),
                task.maxTokens().map(OptionalInt::of).orElse(OptionalInt.empty()));
        if (carried == null) {
            exchange.setProperty(
                    ExchangeKeys.PROGRESS,
                    new TaskProgress(task.id(), chainOf(task), clock.instant().plus(deadline), size));
        } else {
            exchange.setProperty(ExchangeKeys.RECEIVED_AT, carried.receivedAt());
            exchange.setProperty(ExchangeKeys.PROGRESS, TaskProgress.resume(task.id(), chainOf(task), carried, size));
        }
        TaskProgress progress = exchange.getProperty(ExchangeKeys.PROGRESS, TaskProgress.class);
        progress.answerKind(task.expects().kind());
        traces.startTask(exchange, progress);
    }

    private List<ModelSpec> chainOf(Task task) {
        if (!task.models().isEmpty()) {
            return task.models().stream()
                    .map(id -> registry.model(id).orElseThrow())
                    .toList();
        }
        return task.chain().flatMap(registry::chain).orElseGet(registry::models);
    }

    /** The name a task without an id takes: the file's base name, the record's key, else the message's id. */
    private static String fallbackId(Exchange exchange) {
        String file = exchange.getIn().getHeader(Exchange.FILE_NAME_ONLY, String.class);
        if (file != null) {
            return file.endsWith(".json") ? file.substring(0, file.length() - 5) : file;
        }
        String key = exchange.getIn().getHeader("kafka.KEY", String.class);
        if (key != null && !key.isBlank()) {
            return TaskIds.sanitise(key);
        }
        return TaskIds.sanitise(exchange.getIn().getMessageId());
    }
}
