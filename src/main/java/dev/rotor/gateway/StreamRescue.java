package dev.rotor.gateway;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotor.chat.ChatRequestMapper;
import dev.rotor.chat.Failure;
import dev.rotor.chat.FailureKind;
import dev.rotor.chat.stream.FirstTokenLimits;
import dev.rotor.chat.stream.OpenStream;
import dev.rotor.core.LogContext;
import dev.rotor.limits.InputEstimates;
import dev.rotor.limits.Permit;
import dev.rotor.metrics.RotorMetrics;
import dev.rotor.models.ModelSpec;
import dev.rotor.rotation.RotationPolicy;
import dev.rotor.rotation.Selection;
import dev.rotor.rotation.TaskProgress;
import dev.rotor.tracing.StreamedCall;
import dev.rotor.tracing.Traces;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashSet;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finishes a caller's broken stream on another model ({@code rotor.gateway.resume=prefill}): the same request goes to
 * the next free model that can continue, with the text the caller has as a final assistant message, and its stream
 * takes over from its first content. A model that refuses the prefill with 400 is learned as one that cannot, and the
 * next is tried; that 400 is never the caller's answer. With no model free at once to continue, nothing is done: the
 * caller gets the error event as before.
 */
public final class StreamRescue {

    private static final Logger LOG = LoggerFactory.getLogger(StreamRescue.class);
    static final String VERDICT_CONTINUED = "continued";
    /** How many times one stream is taken over at most: past that, the models are failing, not one stream. */
    static final int MAX_TAKEOVERS = 3;
    /** What a 400 that refuses a prefill says (Anthropic, DeepSeek's beta, Mistral), as against any other 400. */
    private static final Pattern REFUSES_PREFILL = Pattern.compile(
            "(?i)prefill|prefix|assistant message|must end with " + "a user message|final assistant|last message");

    /** The rest of one caller's answer, from a model that took it over. */
    /** @param call the continuation's own call, for its span and its duration */
    record Resumed(ModelSpec model, OpenStream open, StreamedCall call) {}

    /** The rescue of one request's stream. */
    interface Resumer {
        /** Never: the setting is off, or the request cannot be continued (it has no messages to add to). */
        Resumer NEVER = (broken, sentSoFar, cause) -> Optional.empty();

        /** A model that took the answer over from {@code broken}, given all the text the caller has; else empty. */
        Optional<Resumed> resume(ModelSpec broken, String sentSoFar, String cause);
    }

    private final Traces traces;
    private final boolean on;
    private final RotationPolicy policy;
    private final ChatRequestMapper requests;
    private final StreamOpener opener;
    private final FirstTokenLimits firstTokens;
    private final RotorMetrics metrics;
    private final MeterRegistry meters;
    private final Continuations continuations = new Continuations();

    /** @param on {@code rotor.gateway.resume}: prefill (true) or never */
    public StreamRescue(
            boolean on,
            RotationPolicy policy,
            ChatRequestMapper requests,
            StreamOpener opener,
            FirstTokenLimits firstTokens,
            RotorMetrics metrics,
            MeterRegistry meters,
            Traces traces) {
        this.traces = traces;
        this.on = on;
        this.policy = policy;
        this.requests = requests;
        this.opener = opener;
        this.firstTokens = firstTokens;
        this.metrics = metrics;
        this.meters = meters;
    }

    Resumer of(TaskProgress progress, ObjectNode request) {
        if (!on
                || progress == null
                || request == null
                || !request.path("messages").isArray()) {
            return Resumer.NEVER;
        }
        AtomicInteger takeovers = new AtomicInteger();
        return (broken, sentSoFar, cause) -> takeovers.getAndIncrement() < MAX_TAKEOVERS
                ? resume(progress, request, broken, sentSoFar, cause)
                : Optional.empty();
    }

    private Optional<Resumed> resume(
            TaskProgress progress, ObjectNode request, ModelSpec broken, String sentSoFar, String cause) {
        if (sentSoFar.isBlank()) {
            // only tool calls went out: a text prefill cannot finish them
            return Optional.empty();
        }
        Set<String> tried = new HashSet<>(Set.of(broken.id()));
        ModelSpec from = broken;
        String reason = "stream broke: " + cause;
        while (true) {
            Optional<Selection.Use> use =
                    policy.selectToContinue(progress, m -> !tried.contains(m.id()) && continuations.canContinue(m));
            if (use.isEmpty()) {
                return Optional.empty();
            }
            ModelSpec model = use.get().model();
            tried.add(model.id());
            try (var log = LogContext.of(progress, model)) {
                LOG.info("rotation {} -> {} to finish the caller's stream ({})", from.id(), model.id(), reason);
            }
            metrics.rotated(progress.taskId(), from.id(), model, reason);
            traces.rotated(progress, from.id(), model.id(), reason);
            Optional<Resumed> open = call(progress, request, model, use.get().permit(), sentSoFar, reason);
            if (open.isPresent()) {
                Counter.builder("rotor.gateway.streams.resumed")
                        .tag("model", model.id())
                        .description("Broken streams finished by this model, from the text the caller had")
                        .register(meters)
                        .increment();
                return open;
            }
            from = model;
            reason = progress.lastFailure()
                    .map(f -> f.kind().label() + ": " + f.message())
                    .orElse(reason);
        }
    }

    /** The continuation's stream up to its first content; empty when the call failed (what it learned is kept). */
    private Optional<Resumed> call(
            TaskProgress progress, ObjectNode request, ModelSpec model, Permit permit, String sentSoFar, String why) {
        StreamOpener.Result result;
        String body = requests.continuing(request, model, sentSoFar, rest(progress, sentSoFar));
        StreamedCall call = traces.sideCallStarted(progress, model, body, "continuation", why);
        try {
            // not bounded by the request's deadline: a stream that sends content outlives it, as its relay does
            result = opener.start(model, body, firstTokens.limitFor(model), call.context())
                    .result()
                    .join();
        } catch (RuntimeException e) {
            policy.onAbandoned(permit);
            LOG.warn("the continuation on {} could not be sent: {}", model.id(), e.toString());
            Traces.sideCallFailed(call, Failure.of(FailureKind.TRANSIENT, 0, e.toString()));
            return Optional.empty();
        }
        opener.settle(progress, permit, result, VERDICT_CONTINUED);
        if (result instanceof StreamOpener.Opened opened) {
            Traces.sideCallOpened(call, opened.toFirstToken());
            return Optional.of(new Resumed(model, opened.open(), call));
        }
        Failure failure = ((StreamOpener.Failed) result).failure();
        Traces.sideCallFailed(call, failure);
        if (failure.httpStatus() == 400
                && REFUSES_PREFILL.matcher(failure.message()).find()) {
            continuations.refused(model, failure.message());
        }
        return Optional.empty();
    }

    /** The caller's bound on the answer (as the intake read it), less what it has: the continuation writes the rest. */
    private static OptionalInt rest(TaskProgress progress, String sentSoFar) {
        OptionalInt bound = progress.size().maxTokens();
        return bound.isEmpty()
                ? bound
                : OptionalInt.of((int) Math.max(1, bound.getAsInt() - InputEstimates.tokens(sentSoFar)));
    }
}
