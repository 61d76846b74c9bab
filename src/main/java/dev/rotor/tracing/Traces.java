package dev.rotor.tracing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.chat.Failure;
import dev.rotor.chat.TokenUsage;
import dev.rotor.core.ExchangeKeys;
import dev.rotor.limits.Permit;
import dev.rotor.models.ModelSpec;
import dev.rotor.models.Money;
import dev.rotor.rotation.Decision;
import dev.rotor.rotation.TaskProgress;
import dev.rotor.transport.Transport;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import org.apache.camel.Exchange;
import org.apache.camel.support.SynchronizationAdapter;

/**
 * Rotor's spans, on OpenTelemetry's GenAI conventions: one {@code rotor.task} span a task, from the context its input
 * carries, and under it one {@code chat {model}} client span a model call, with events for rotations and re-asks. Every
 * span's parent is named, never taken from the thread: Camel's sends leave a thread's current context behind when they
 * complete on another. Off ({@link #OFF}), every method returns at once and a task carries no trace.
 */
public final class Traces {

    public static final Traces OFF = new Traces(null, null, false);

    private static final AttributeKey<List<String>> CHAIN = AttributeKey.stringArrayKey("rotor.chain");

    private final Tracer tracer;
    private final TextMapPropagator propagator;
    private final boolean captureContent;

    Traces(Tracer tracer, TextMapPropagator propagator, boolean captureContent) {
        this.tracer = tracer;
        this.propagator = propagator;
        this.captureContent = captureContent;
    }

    public boolean on() {
        return tracer != null;
    }

    /**
     * The task's span, continuing the trace its input names (a {@code traceparent} HTTP header, JMS property or Kafka
     * record header); it ends with the task's exchange, whatever way the task ends.
     */
    public void startTask(Exchange exchange, TaskProgress progress) {
        if (tracer == null) {
            return;
        }
        Transport transport = exchange.getProperty(ExchangeKeys.TRANSPORT, Transport.class);
        Context parent = propagator.extract(Context.root(), exchange.getIn().getHeaders(), CamelHeaders.GETTER);
        Span span = tracer.spanBuilder("rotor.task")
                .setParent(parent)
                .setSpanKind(kindOf(transport))
                .setAttribute("rotor.task.id", progress.taskId())
                .setAttribute("rotor.transport", transport == null ? "direct" : transport.label())
                .setAttribute(
                        CHAIN, progress.chain().stream().map(ModelSpec::id).toList())
                .setAttribute("rotor.task.resumed", progress.calls() > 0)
                .startSpan();
        TaskTrace trace = new TaskTrace(span, System.nanoTime());
        progress.trace(trace);
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onDone(Exchange done) {
                TaskEnd.end(trace, done);
            }
        });
    }

    private static SpanKind kindOf(Transport transport) {
        if (transport == null) {
            return SpanKind.INTERNAL;
        }
        return switch (transport) {
            case HTTP -> SpanKind.SERVER;
            case JMS, KAFKA -> SpanKind.CONSUMER;
            case FILE -> SpanKind.INTERNAL;
        };
    }

    /**
     * The task's context in the outgoing message's headers: Camel's send span (a result, a dead letter, a parked task)
     * takes it as its parent, and the message carries the trace on.
     */
    public void injectTaskContext(Exchange exchange) {
        TaskTrace trace = traceOf(exchange.getProperty(ExchangeKeys.PROGRESS, TaskProgress.class));
        if (trace != null) {
            propagator.inject(
                    Context.root().with(trace.task()), exchange.getIn().getHeaders(), CamelHeaders.SETTER);
        }
    }

    /**
     * A call leaves: its span, child of the task's, and its context in the request's headers (a {@code traceparent} to
     * the provider).
     *
     * @param rotation why the task rotated to this model, null when it did not
     */
    public void callStarted(
            Exchange exchange,
            TaskProgress progress,
            ModelSpec model,
            String body,
            String rotation,
            OptionalInt maxTokens) {
        TaskTrace trace = traceOf(progress);
        if (trace == null) {
            return;
        }
        // a call span still open lost its end somewhere: it ends now rather than never
        trace.endOpenCall("no outcome was recorded for this call");
        long now = System.nanoTime();
        SpanBuilder builder = chatSpan(trace, model, progress.calls() + 1, body)
                .setAttribute(
                        "rotor.wait_ms",
                        Duration.ofNanos(now - trace.idleSince()).toMillis());
        String pacedBy = trace.takePacedBy();
        if (pacedBy != null) {
            builder.setAttribute("rotor.paced_by", pacedBy);
        }
        if (rotation != null) {
            builder.setAttribute("rotor.rotation.reason", rotation);
        }
        maxTokens.ifPresent(t -> builder.setAttribute("gen_ai.request.max_tokens", (long) t));
        Permit permit = exchange.getProperty(ExchangeKeys.PERMIT, Permit.class);
        if (permit != null) {
            builder.setAttribute(
                    "rotor.reserved.input_tokens", permit.reserved().inputTokens());
            builder.setAttribute(
                    "rotor.reserved.output_tokens", permit.reserved().outputTokens());
        }
        Span started = builder.startSpan();
        trace.call(started, model.id());
        trace.idleSince(now);
        propagator.inject(Context.root().with(started), exchange.getIn().getHeaders(), CamelHeaders.SETTER);
    }

    /** A {@code chat {model}} client span under the task's, with what every call's span says. */
    private SpanBuilder chatSpan(TaskTrace trace, ModelSpec model, long attempt, String body) {
        SpanBuilder builder = tracer.spanBuilder("chat " + model.id())
                .setParent(Context.root().with(trace.task()))
                .setSpanKind(SpanKind.CLIENT)
                .setAttribute("gen_ai.operation.name", "chat")
                .setAttribute("gen_ai.provider.name", model.provider().name())
                .setAttribute("gen_ai.request.model", model.id())
                .setAttribute("rotor.attempt", attempt);
        CallAttributes.target(builder, model.provider().chatCompletionsUrl());
        if (captureContent) {
            builder.setAttribute("gen_ai.input.messages", MessageContent.input(body));
        }
        return builder;
    }

    /**
     * A streamed call the gateway makes beside the task's attempts: a hedge raced against a late first token, or the
     * call that finishes a broken stream. Its span, and the headers that carry its context to the provider.
     *
     * @param role {@code hedge} or {@code continuation}
     */
    public StreamedCall sideCallStarted(TaskProgress progress, ModelSpec model, String body, String role, String why) {
        TaskTrace trace = traceOf(progress);
        long now = System.nanoTime();
        if (trace == null) {
            return new StreamedCall(now, Span.getInvalid());
        }
        Span span = chatSpan(trace, model, progress.calls() + 1, body)
                .setAttribute("rotor.call.role", role)
                .setAttribute("rotor.rotation.reason", captureContent ? why : CallAttributes.shortened(why))
                .startSpan();
        Map<String, Object> headers = new HashMap<>();
        propagator.inject(Context.root().with(span), headers, CamelHeaders.SETTER);
        Map<String, String> context = new HashMap<>();
        headers.forEach((k, v) -> context.put(k, String.valueOf(v)));
        return new StreamedCall(now, span, context);
    }

    /** The side call's stream sent its first content. */
    public static void sideCallOpened(StreamedCall call, Duration toFirstToken) {
        call.span().setAttribute("http.response.status_code", 200L);
        call.span().setAttribute("rotor.outcome", "ok");
        call.span().setAttribute("gen_ai.response.time_to_first_chunk", toFirstToken.toNanos() / 1e9);
    }

    /** The side call failed before its first content, or was not sent. */
    public static void sideCallFailed(StreamedCall call, Failure failure) {
        call.take().ifPresent(span -> {
            if (failure.httpStatus() > 0) {
                span.setAttribute("http.response.status_code", (long) failure.httpStatus());
            }
            span.setAttribute("error.type", failure.kind().label());
            span.setAttribute("rotor.outcome", failure.kind().label());
            span.setStatus(StatusCode.ERROR, CallAttributes.shortened(failure.message()));
            span.end();
        });
    }

    /** Of a hedged pair, this call lost the race and was cancelled. */
    public static void callLostRace(StreamedCall call, String winner) {
        call.take().ifPresent(span -> {
            span.setAttribute("rotor.outcome", "hedge_lost");
            span.setAttribute("rotor.hedge.winner", winner);
            span.end();
        });
    }

    /** The call answered whole: what came back, and its span ends. */
    public void callAnswered(
            TaskProgress progress,
            int status,
            JsonNode body,
            TokenUsage usage,
            String outcome,
            OptionalLong costPicoUsd) {
        TaskTrace trace = traceOf(progress);
        Span span = trace == null ? null : trace.takeCall();
        if (span == null) {
            return;
        }
        span.setAttribute("http.response.status_code", (long) status);
        span.setAttribute("rotor.outcome", outcome);
        CallAttributes.answer(span, body, usage, captureContent);
        costPicoUsd.ifPresent(c -> span.setAttribute("rotor.cost_usd", Money.usd(c)));
        span.end();
        trace.idleSince(System.nanoTime());
    }

    /**
     * A streamed call sent its first content: the call succeeded, and its span goes with the stream, whose relay ends
     * it ({@link #streamEnded}).
     *
     * @param winner the model whose stream is relayed: the one asked, or the hedge that sent content first
     * @param hedge the hedge's own call when it won, else null
     */
    public StreamedCall callStreaming(
            TaskProgress progress, ModelSpec winner, long startNanos, Duration toFirstToken, StreamedCall hedge) {
        TaskTrace trace = traceOf(progress);
        String asked = trace == null ? null : trace.callModel();
        Span span = trace == null ? null : trace.takeCall();
        if (span == null) {
            return new StreamedCall(startNanos, Span.getInvalid());
        }
        span.setAttribute("http.response.status_code", 200L);
        span.setAttribute("gen_ai.response.time_to_first_chunk", toFirstToken.toNanos() / 1e9);
        if (!winner.id().equals(asked)) {
            // a hedge sent content first: this call lost the race and was cancelled; the stream is the hedge's
            span.setAttribute("rotor.outcome", "hedge_lost");
            span.setAttribute("rotor.hedge.winner", winner.id());
            span.end();
            trace.task()
                    .addEvent(
                            "rotor.hedge",
                            Attributes.builder()
                                    .put("rotor.rotation.from", asked)
                                    .put("rotor.rotation.to", winner.id())
                                    .build());
            return hedge == null ? new StreamedCall(startNanos, Span.getInvalid()) : hedge;
        }
        span.setAttribute("rotor.outcome", "ok");
        return new StreamedCall(startNanos, span);
    }

    /**
     * A relayed stream ended: whole, with what its last chunk said, or broken (another model may finish the answer:
     * that is not this call).
     *
     * @param usage the usage the stream's last chunk reported, null when it did not
     * @param broken why it broke, null when it ended whole
     */
    public static void streamEnded(
            StreamedCall call, String responseModel, String finishReason, JsonNode usage, String broken) {
        call.take().ifPresent(span -> {
            span.setAttribute("gen_ai.response.model", responseModel);
            if (finishReason != null) {
                span.setAttribute(CallAttributes.FINISH_REASONS, List.of(finishReason));
            }
            if (usage != null) {
                CallAttributes.usage(
                        span,
                        usage.path("prompt_tokens").asLong(0),
                        usage.path("completion_tokens").asLong(0));
            }
            if (broken != null) {
                span.setAttribute("error.type", "stream_broken");
                span.setStatus(StatusCode.ERROR, CallAttributes.shortened(broken));
            }
            span.end();
        });
    }

    /**
     * The call failed, or its answer failed its checks: why, and what Rotor decided. Without capture-content, an
     * answer's text is never quoted and a provider's error is cut short.
     *
     * @param rejected the check the answer failed, null for a failed call
     * @param cooldown until when the model is out of the rotation, when it is
     */
    public void callFailed(
            TaskProgress progress, Failure failure, String rejected, Decision decision, Optional<Instant> cooldown) {
        TaskTrace trace = traceOf(progress);
        Span span = trace == null ? null : trace.takeCall();
        if (span == null) {
            return;
        }
        if (failure.httpStatus() > 0) {
            span.setAttribute("http.response.status_code", (long) failure.httpStatus());
        }
        span.setAttribute("error.type", rejected == null ? failure.kind().label() : "answer_rejected");
        span.setAttribute("rotor.outcome", rejected == null ? failure.kind().label() : rejected);
        if (failure.scope() != null) {
            span.setAttribute("rotor.limit.scope", failure.scope().name().toLowerCase());
        }
        cooldown.ifPresent(until -> span.setAttribute("rotor.cooldown_until", until.toString()));
        if (decision instanceof Decision.Retry retry) {
            span.setAttribute("rotor.decision", "retry");
            span.setAttribute("rotor.retry_in_ms", retry.delay().toMillis());
        } else if (decision instanceof Decision.GiveUp) {
            span.setAttribute("rotor.decision", "give_up");
        }
        String why = rejected != null && !captureContent
                ? "the answer failed its check: " + rejected
                : captureContent ? failure.message() : CallAttributes.shortened(failure.message());
        span.setStatus(StatusCode.ERROR, why);
        span.end();
        trace.idleSince(System.nanoTime());
    }

    /** No model could take the call yet: the wait shows on the next call's span, with why. */
    public void recordWait(TaskProgress progress, String why) {
        TaskTrace trace = traceOf(progress);
        if (trace != null) {
            trace.pacedBy(why);
        }
    }

    public void rotated(TaskProgress progress, String from, String to, String reason) {
        TaskTrace trace = traceOf(progress);
        if (trace != null) {
            trace.task()
                    .addEvent(
                            "rotor.rotation",
                            Attributes.builder()
                                    .put("rotor.rotation.from", from)
                                    .put("rotor.rotation.to", to)
                                    .put(
                                            "rotor.rotation.reason",
                                            captureContent ? reason : CallAttributes.shortened(reason))
                                    .build());
        }
    }

    /** The model's answer failed its checks, and the same model is asked again with what was wrong. */
    public void reasked(TaskProgress progress, String model, String fault, String detail) {
        TaskTrace trace = traceOf(progress);
        if (trace != null) {
            AttributesBuilder event =
                    Attributes.builder().put("gen_ai.request.model", model).put("rotor.answer.fault", fault);
            if (captureContent) {
                // what was wrong may quote the answer
                event.put("rotor.answer.detail", detail);
            }
            trace.task().addEvent("rotor.reask", event.build());
        }
    }

    private static TaskTrace traceOf(TaskProgress progress) {
        return progress == null ? null : progress.trace();
    }
}
