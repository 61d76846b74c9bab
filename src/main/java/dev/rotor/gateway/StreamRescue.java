package dev.rotor.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.rotor.camel.GatewayCall;
import dev.rotor.chat.ChatRequestMapper;
import dev.rotor.chat.ChatResult;
import dev.rotor.chat.ErrorClassifier;
import dev.rotor.chat.Failure;
import dev.rotor.chat.FailureKind;
import dev.rotor.chat.ModelCallException;
import dev.rotor.chat.stream.OpenStream;
import dev.rotor.chat.stream.StreamStart;
import dev.rotor.limits.Permit;
import dev.rotor.metrics.RotorMetrics;
import dev.rotor.models.ModelSpec;
import dev.rotor.models.Provider;
import dev.rotor.rotation.Attempt;
import dev.rotor.rotation.RotationPolicy;
import dev.rotor.rotation.Selection;
import dev.rotor.rotation.TaskProgress;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Finishes a caller's broken stream on another model ({@code rotor.gateway.resume=prefill}): the same request goes to
 * the next free model that can continue, with the text the caller has as a final assistant message, and its stream
 * takes over from its first content. A model that refuses the prefill with 400 is learned as one that cannot, and the
 * next is tried; that 400 is never the caller's answer. With no model free at once to continue, nothing is done: the
 * caller gets the error event as before.
 */
public final class StreamRescue {

    private static final Logger LOG = LoggerFactory.getLogger(StreamRescue.class);
    private static final int MAX_ERROR_BODY = 64 * 1024;
    static final String VERDICT_CONTINUED = "continued";

    /** The rest of one caller's answer, from a model that took it over. */
    record Resumed(ModelSpec model, OpenStream open) {
    }

    /** The rescue of one request's stream. */
    interface Resumer {
        /** Never: the setting is off, or the request cannot be continued (it has no messages to add to). */
        Resumer NEVER = (broken, sentSoFar, cause) -> Optional.empty();

        /** A model that took the answer over from {@code broken}, given all the text the caller has; else empty. */
        Optional<Resumed> resume(ModelSpec broken, String sentSoFar, String cause);
    }

    private final boolean on;
    private final RotationPolicy policy;
    private final ChatRequestMapper requests;
    private final Function<Provider, Map<String, String>> headers;
    private final GatewayCall calls;
    private final ErrorClassifier classifier;
    private final StreamStart streams;
    private final Duration firstTokenTimeout;
    private final RotorMetrics metrics;
    private final MeterRegistry meters;
    private final Clock clock;
    private final Continuations continuations = new Continuations();

    /** @param on {@code rotor.gateway.resume}: prefill (true) or never */
    public StreamRescue(boolean on, RotationPolicy policy, ChatRequestMapper requests,
                        Function<Provider, Map<String, String>> headers, GatewayCall calls, ErrorClassifier classifier,
                        StreamStart streams, Duration firstTokenTimeout, RotorMetrics metrics, MeterRegistry meters,
                        Clock clock) {
        this.on = on;
        this.policy = policy;
        this.requests = requests;
        this.headers = headers;
        this.calls = calls;
        this.classifier = classifier;
        this.streams = streams;
        this.firstTokenTimeout = firstTokenTimeout;
        this.metrics = metrics;
        this.meters = meters;
        this.clock = clock;
    }

    Resumer of(TaskProgress progress, ObjectNode request) {
        if (!on || progress == null || request == null || !request.path("messages").isArray()) {
            return Resumer.NEVER;
        }
        return (broken, sentSoFar, cause) -> resume(progress, request, broken, sentSoFar, cause);
    }

    private Optional<Resumed> resume(TaskProgress progress, ObjectNode request, ModelSpec broken, String sentSoFar,
                                     String cause) {
        if (sentSoFar.isBlank()) {
            // only tool calls went out: a text prefill cannot finish them
            return Optional.empty();
        }
        Set<String> tried = new HashSet<>(Set.of(broken.id()));
        ModelSpec from = broken;
        String reason = "stream broke: " + cause;
        while (true) {
            Optional<Selection.Use> use = policy.selectToContinue(progress,
                    m -> !tried.contains(m.id()) && continuations.canContinue(m));
            if (use.isEmpty()) {
                return Optional.empty();
            }
            ModelSpec model = use.get().model();
            tried.add(model.id());
            try (var task = MDC.putCloseable("task", progress.taskId()); var m = MDC.putCloseable("model", model.id())) {
                LOG.info("rotation {} -> {} to finish the caller's stream ({})", from.id(), model.id(), reason);
            }
            metrics.rotated(progress.taskId(), from.id(), model, reason);
            Optional<OpenStream> open = call(progress, request, model, use.get().permit(), sentSoFar);
            if (open.isPresent()) {
                Counter.builder("rotor.gateway.streams.resumed").tag("model", model.id())
                        .description("Broken streams finished by this model, from the text the caller had")
                        .register(meters).increment();
                return Optional.of(new Resumed(model, open.get()));
            }
            from = model;
            reason = progress.lastFailure().map(f -> f.kind().label() + ": " + f.message()).orElse(reason);
        }
    }

    /** The continuation's stream up to its first content; empty when the call failed (what it learned is kept). */
    private Optional<OpenStream> call(TaskProgress progress, ObjectNode request, ModelSpec model, Permit permit,
                                      String sentSoFar) {
        Instant at = clock.instant();
        long started = System.nanoTime();
        Duration within = progress.within(firstTokenTimeout, at);
        metrics.called(model);
        CompletableFuture<HttpResponse<InputStream>> answer = calls.openStream(model.provider(),
                headers.apply(model.provider()), requests.continuing(request, model, sentSoFar));
        Failure failure;
        try {
            HttpResponse<InputStream> response = answer.get(Math.max(1, within.toMillis()), TimeUnit.MILLISECONDS);
            Function<String, String> header = name -> response.headers().firstValue(name).orElse(null);
            if (response.statusCode() == 200) {
                OpenStream open = streams.await(response.body(), header, within.minus(since(started)));
                Duration toFirstToken = since(started);
                progress.record(new Attempt(model.id(), Attempt.OK, 200, toFirstToken.toMillis(), at, null,
                        VERDICT_CONTINUED));
                var limits = classifier.limitsOf(header);
                policy.onSuccess(permit, toFirstToken, limits);
                metrics.succeeded(model, toFirstToken, new ChatResult(open.firstContent(),
                        JsonNodeFactory.instance.objectNode(), model.id(), null));
                return Optional.of(open);
            }
            String body;
            try (InputStream in = response.body()) {
                body = new String(in.readNBytes(MAX_ERROR_BODY), StandardCharsets.UTF_8);
            }
            failure = classifier.classify(response.statusCode(), header, body) instanceof ErrorClassifier.Failed f
                    ? f.failure() : Failure.of(FailureKind.TRANSIENT, response.statusCode(), "an answer that is no stream");
            if (response.statusCode() == 400) {
                // the request was fine for the model that began the answer: it is the prefill this one refuses
                continuations.refused(model, failure.message());
            }
        } catch (ModelCallException e) {
            failure = e.failure();
        } catch (TimeoutException e) {
            answer.cancel(true);
            failure = Failure.silent(0, "no answer within " + within.toMillis() + " ms");
        } catch (ExecutionException | IOException e) {
            failure = classifier.classify(e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failure = Failure.of(FailureKind.TRANSIENT, 0, "interrupted");
        }
        Duration latency = since(started);
        progress.record(new Attempt(model.id(), failure.kind().label(), failure.httpStatus() > 0 ? failure.httpStatus()
                : null, latency.toMillis(), at, failure.message()));
        metrics.failed(model, latency, failure);
        policy.onFailure(progress, permit, failure);
        return Optional.empty();
    }

    private static Duration since(long nanos) {
        return Duration.ofNanos(System.nanoTime() - nanos);
    }
}
