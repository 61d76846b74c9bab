package dev.rotor.core;

import dev.rotor.models.ModelSpec;
import dev.rotor.rotation.TaskProgress;
import dev.rotor.tracing.TaskTrace;
import org.slf4j.MDC;

/**
 * What a log line about a task says beside its message: the task, the model, and while tracing is on the trace and span
 * it belongs to ({@code trace_id}, {@code span_id}), so a line leads to its trace. Closing takes them off again.
 */
public final class LogContext implements AutoCloseable {

    private LogContext(String task, String model, TaskTrace trace) {
        MDC.put("task", task == null ? "" : task);
        MDC.put("model", model == null ? "" : model);
        if (trace != null) {
            MDC.put("trace_id", trace.traceId());
            MDC.put("span_id", trace.spanId());
        }
    }

    public static LogContext of(TaskProgress progress, ModelSpec model) {
        return new LogContext(
                progress == null ? null : progress.taskId(),
                model == null ? null : model.id(),
                progress == null ? null : progress.trace());
    }

    public static LogContext of(TaskProgress progress, String task) {
        return new LogContext(task, null, progress == null ? null : progress.trace());
    }

    @Override
    public void close() {
        MDC.remove("task");
        MDC.remove("model");
        MDC.remove("trace_id");
        MDC.remove("span_id");
    }
}
