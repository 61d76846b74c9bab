package dev.rotor.tracing;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;

/**
 * One task's spans: the task's own, and the model call open now. Owned by the task's exchange, which one thread works
 * on at a time; a stream's end may come on another, after the call's span was handed over.
 */
public final class TaskTrace {

    private final Span task;
    private Span call;
    /** The model of the call open now. */
    private String callModel;
    /** When the task last left for a model or came back from one (nano time): what came since is waiting. */
    private long idleSince;
    /** Why the task waited before its next call, when a limit held it: the limit that paced it. */
    private String pacedBy;

    TaskTrace(Span task, long now) {
        this.task = task;
        this.idleSince = now;
    }

    Span task() {
        return task;
    }

    Span call() {
        return call;
    }

    void call(Span span, String model) {
        this.call = span;
        this.callModel = model;
    }

    String callModel() {
        return callModel;
    }

    /** The call's span, no longer this trace's to end (its stream is relayed elsewhere). */
    Span takeCall() {
        Span taken = call;
        call = null;
        callModel = null;
        return taken;
    }

    /** Ends the call span still open, if one is, as failed for this reason. */
    void endOpenCall(String why) {
        Span open = takeCall();
        if (open != null) {
            open.setStatus(StatusCode.ERROR, why);
            open.end();
        }
    }

    long idleSince() {
        return idleSince;
    }

    void idleSince(long nanos) {
        this.idleSince = nanos;
    }

    String takePacedBy() {
        String why = pacedBy;
        pacedBy = null;
        return why;
    }

    void pacedBy(String why) {
        this.pacedBy = why;
    }

    public String traceId() {
        return task.getSpanContext().getTraceId();
    }

    /** The span a log line belongs to: the call open now, else the task's. */
    public String spanId() {
        Span current = call;
        return (current == null ? task : current).getSpanContext().getSpanId();
    }
}
