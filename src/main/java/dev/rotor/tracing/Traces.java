package dev.rotor.tracing;

import java.net.URI;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

import org.apache.camel.Exchange;
import org.apache.camel.support.SynchronizationAdapter;

import com.fasterxml.jackson.databind.JsonNode;

import dev.rotor.batch.TaskLedger;
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
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapPropagator;

/**
 * Rotor's spans, on OpenTelemetry's GenAI conventions: one {@code rotor.task} span a task, from the context its input
 * carries, and under it one {@code chat {model}} client span a model call, with events for rotations and re-asks.
 * Off ({@link #OFF}), every method returns at once: a task carries no trace.
 */
public final class Traces {

    public static final Traces OFF = new Traces(null, null, false);

    static final AttributeKey<List<String>> CHAIN = AttributeKey.stringArrayKey("rotor.chain");
    static final AttributeKey<List<String>> FINISH_REASONS = AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");

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
    public void begin(Exchange exchange, TaskProgress progress) {
        if (tracer == null) {
            return;
        }
        Transport transport = exchange.getProperty(ExchangeKeys.TRANSPORT, Transport.class);
        Context parent = propagator.extract(Context.root(), exchange.getIn().getHeaders(), CamelHeaders.GETTER);
        Span span = tracer.spanBuilder("rotor.task").setParent(parent).setSpanKind(kindOf(transport))
                .setAttribute("rotor.task.id", progress.taskId())
                .setAttribute("rotor.transport", transport == null ? "direct" : transport.label())
                .setAttribute(CHAIN, progress.chain().stream().map(ModelSpec::id).toList())
                .setAttribute("rotor.task.resumed", progress.calls() > 0)
                .startSpan();
        TaskTrace trace = new TaskTrace(span, System.nanoTime());
        progress.trace(trace);
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onDone(Exchange done) {
                ended(trace, done);
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

    /** The outcome as the ledger wrote it; parked and kept tasks end here too, to be taken again. */
    private static void ended(TaskTrace trace, Exchange exchange) {
        Span task = trace.task();
        Span call = trace.takeCall();
        if (call != null) {
            call.setStatus(StatusCode.ERROR, "the task ended before its call did");
            call.end();
        }
        TaskLedger.Entry entry = exchange.getProperty(ExchangeKeys.LEDGER_ENTRY, TaskLedger.Entry.class);
        Object decision = exchange.getProperty(ExchangeKeys.DECISION);
        if (entry != null) {
            task.setAttribute("rotor.outcome", entry.status());
            task.setAttribute("rotor.rotations", entry.rotations());
            task.setAttribute("rotor.calls", entry.calls());
            task.setAttribute("rotor.cached", entry.cached());
            if (entry.error() != null) {
                task.setAttribute("error.type", entry.error());
                task.setStatus(StatusCode.ERROR, String.valueOf(entry.reason()));
            }
        } else if (decision instanceof Decision.Park park) {
            task.setAttribute("rotor.outcome", "parked");
            task.addEvent("rotor.parked", Attributes.of(AttributeKey.longKey("rotor.park.delay_ms"), park.delay().toMillis()));
        } else if (decision instanceof Decision.Keep keep) {
            task.setAttribute("rotor.outcome", "kept");
            task.setStatus(StatusCode.ERROR, keep.why());
        } else if (exchange.isFailed()) {
            task.setAttribute("rotor.outcome", "failed");
            task.setStatus(StatusCode.ERROR, String.valueOf(exchange.getException()));
        }
        task.end();
    }

    /**
     * A call leaves: its span, child of the task's, and its context in the request's headers (a {@code traceparent}
     * to the provider).
     *
     * @param rotation why the task rotated to this model, null when it did not
     */
    public void callStarted(Exchange exchange, TaskProgress progress, ModelSpec model, String body, String rotation,
                            OptionalInt maxTokens) {
        TaskTrace trace = progress.trace();
        if (trace == null) {
            return;
        }
        Permit permit = exchange.getProperty(ExchangeKeys.PERMIT, Permit.class);
        long now = System.nanoTime();
        URI url = model.provider().chatCompletionsUrl();
        var span = tracer.spanBuilder("chat " + model.id()).setParent(Context.root().with(trace.task()))
                .setSpanKind(SpanKind.CLIENT)
                .setAttribute("gen_ai.operation.name", "chat")
                .setAttribute("gen_ai.provider.name", model.provider().name())
                .setAttribute("gen_ai.request.model", model.id())
                .setAttribute("http.request.method", "POST")
                .setAttribute("server.address", url.getHost())
                .setAttribute("server.port", (long) port(url))
                // the scheme, host and path only: a query or user part could hold a key
                .setAttribute("url.full", url.getScheme() + "://" + url.getAuthority().replaceFirst("^.*@", "") + url.getPath())
                .setAttribute("rotor.attempt", (long) progress.calls() + 1)
                .setAttribute("rotor.wait_ms", Duration.ofNanos(now - trace.idleSince()).toMillis());
        String pacedBy = trace.takePacedBy();
        if (pacedBy != null) {
            span.setAttribute("rotor.paced_by", pacedBy);
        }
        if (rotation != null) {
            span.setAttribute("rotor.rotation.reason", rotation);
        }
        maxTokens.ifPresent(t -> span.setAttribute("gen_ai.request.max_tokens", (long) t));
        if (permit != null) {
            span.setAttribute("rotor.reserved.input_tokens", permit.reserved().inputTokens());
            span.setAttribute("rotor.reserved.output_tokens", permit.reserved().outputTokens());
        }
        if (captureContent) {
            span.setAttribute("gen_ai.input.messages", Content.messages(body));
        }
        Span started = span.startSpan();
        trace.call(started);
        trace.idleSince(now);
        propagator.inject(Context.root().with(started), exchange.getIn().getHeaders(), CamelHeaders.SETTER);
    }

    private static int port(URI url) {
        if (url.getPort() > 0) {
            return url.getPort();
        }
        return "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
    }

    /** The call answered whole: what came back, and its span ends. */
    public void callAnswered(TaskProgress progress, int status, JsonNode body, TokenUsage usage, String outcome,
                             OptionalLong costPicoUsd) {
        TaskTrace trace = progress.trace();
        if (trace == null || trace.call() == null) {
            return;
        }
        Span span = trace.takeCall();
        span.setAttribute("http.response.status_code", (long) status);
        span.setAttribute("rotor.outcome", outcome);
        response(span, body, usage);
        costPicoUsd.ifPresent(c -> span.setAttribute("rotor.cost_usd", Money.usd(c)));
        span.end();
        trace.idleSince(System.nanoTime());
    }

    /**
     * A streamed call sent its first content: the call succeeded, and its span goes with the stream, which ends it
     * ({@link #streamEnded}).
     */
    public Span callStreaming(TaskProgress progress, Duration toFirstToken) {
        TaskTrace trace = progress.trace();
        if (trace == null || trace.call() == null) {
            return null;
        }
        Span span = trace.takeCall();
        span.setAttribute("http.response.status_code", 200L);
        span.setAttribute("rotor.outcome", "ok");
        span.setAttribute("gen_ai.response.time_to_first_chunk", toFirstToken.toNanos() / 1e9);
        return span;
    }

    /**
     * A relayed stream ended: whole, with what its last chunk said, or broken.
     *
     * @param usage  the usage the stream's last chunk reported, null when it did not
     * @param broken why it broke, null when it ended whole
     */
    public static void streamEnded(Span span, String responseModel, String finishReason, JsonNode usage, String broken) {
        if (span == null) {
            return;
        }
        if (responseModel != null) {
            span.setAttribute("gen_ai.response.model", responseModel);
        }
        if (finishReason != null) {
            span.setAttribute(FINISH_REASONS, List.of(finishReason));
        }
        if (usage != null) {
            span.setAttribute("gen_ai.usage.input_tokens", usage.path("prompt_tokens").asLong(0));
            span.setAttribute("gen_ai.usage.output_tokens", usage.path("completion_tokens").asLong(0));
        }
        if (broken != null) {
            span.setAttribute("error.type", "stream_broken");
            span.setStatus(StatusCode.ERROR, broken);
        }
        span.end();
    }

    /**
     * The call failed, or its answer failed its checks: why, and what Rotor decided.
     *
     * @param rejected the check the answer failed, null for a failed call
     * @param cooldown until when the model is out of the rotation, when it is
     */
    public void callFailed(TaskProgress progress, Failure failure, String rejected, Decision decision,
                           Optional<Instant> cooldown) {
        TaskTrace trace = progress == null ? null : progress.trace();
        if (trace == null || trace.call() == null) {
            return;
        }
        Span span = trace.takeCall();
        if (failure.httpStatus() > 0) {
            span.setAttribute("http.response.status_code", (long) failure.httpStatus());
        }
        String type = rejected == null ? failure.kind().label() : "answer_rejected";
        span.setAttribute("error.type", type);
        span.setAttribute("rotor.outcome", rejected == null ? failure.kind().label() : rejected);
        if (failure.scope() != null) {
            span.setAttribute("rotor.limit.scope", failure.scope().name().toLowerCase());
        }
        cooldown.ifPresent(until -> span.setAttribute("rotor.cooldown_until", until.toString()));
        if (decision instanceof Decision.Retry retry) {
            span.setAttribute("rotor.decision", "retry");
            span.setAttribute("rotor.retry_in_ms", retry.delay().toMillis());
        } else if (decision != null) {
            span.setAttribute("rotor.decision", decision.getClass().getSimpleName().toLowerCase());
        }
        span.setStatus(StatusCode.ERROR, failure.message());
        span.end();
        trace.idleSince(System.nanoTime());
    }

    /** No model could take the call yet: the wait shows on the next call's span, with why. */
    public void waited(TaskProgress progress, String why) {
        TaskTrace trace = progress == null ? null : progress.trace();
        if (trace != null) {
            trace.pacedBy(why);
        }
    }

    public void rotated(TaskProgress progress, String from, String to, String reason) {
        TaskTrace trace = progress.trace();
        if (trace != null) {
            trace.task().addEvent("rotor.rotation", Attributes.builder().put("rotor.rotation.from", from)
                    .put("rotor.rotation.to", to).put("rotor.rotation.reason", reason).build());
        }
    }

    /** The model's answer failed its checks, and the same model is asked again with what was wrong. */
    public void reasked(TaskProgress progress, String model, String fault, String detail) {
        TaskTrace trace = progress == null ? null : progress.trace();
        if (trace != null) {
            trace.task().addEvent("rotor.reask", Attributes.builder().put("gen_ai.request.model", model)
                    .put("rotor.answer.fault", fault).put("rotor.answer.detail", detail).build());
        }
    }

    /**
     * The task's context in the outgoing message's headers: Camel's send span (a result, a dead letter, a parked
     * task) takes it as its parent, and the message carries the trace on.
     */
    public void carry(Exchange exchange) {
        TaskProgress progress = exchange.getProperty(ExchangeKeys.PROGRESS, TaskProgress.class);
        TaskTrace trace = progress == null ? null : progress.trace();
        if (trace != null) {
            propagator.inject(Context.root().with(trace.task()), exchange.getIn().getHeaders(), CamelHeaders.SETTER);
        }
    }

    private void response(Span span, JsonNode body, TokenUsage usage) {
        if (body != null) {
            if (body.path("model").isTextual()) {
                span.setAttribute("gen_ai.response.model", body.path("model").asText());
            }
            if (body.path("id").isTextual()) {
                span.setAttribute("gen_ai.response.id", body.path("id").asText());
            }
            List<String> reasons = new ArrayList<>();
            body.path("choices").forEach(c -> reasons.add(c.path("finish_reason").asText("")));
            span.setAttribute(FINISH_REASONS, reasons);
            if (captureContent) {
                span.setAttribute("gen_ai.output.messages", Content.choices(body));
            }
        }
        span.setAttribute("gen_ai.usage.input_tokens", usage.input());
        span.setAttribute("gen_ai.usage.output_tokens", usage.output());
    }
}
