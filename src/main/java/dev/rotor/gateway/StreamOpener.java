package dev.rotor.gateway;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.rotor.chat.ChatResult;
import dev.rotor.chat.ErrorClassifier;
import dev.rotor.chat.Failure;
import dev.rotor.chat.FailureKind;
import dev.rotor.chat.ModelCallException;
import dev.rotor.chat.headers.LimitReport;
import dev.rotor.chat.stream.FirstTokenLimits;
import dev.rotor.chat.stream.OpenStream;
import dev.rotor.chat.stream.StreamStart;
import dev.rotor.limits.Permit;
import dev.rotor.metrics.RotorMetrics;
import dev.rotor.models.ModelSpec;
import dev.rotor.models.Provider;
import dev.rotor.rotation.Attempt;
import dev.rotor.rotation.RotationPolicy;
import dev.rotor.rotation.TaskProgress;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * The streamed calls the gateway makes beside a request's own (a continuation, a hedge): sent, read up to their first
 * content off the caller's thread, and settled (recorded, learned from, counted) on it, so that a task's progress is
 * only ever changed by one thread.
 */
public final class StreamOpener {

    private static final int MAX_ERROR_BODY = 64 * 1024;

    /** What a call came to by its first content. */
    sealed interface Result permits Opened, Failed {
        ModelSpec model();

        Instant at();
    }

    record Opened(ModelSpec model, OpenStream open, Duration toFirstToken, Instant at, LimitReport limits)
            implements Result {}

    record Failed(ModelSpec model, Failure failure, Duration latency, Instant at) implements Result {}

    /** A call under way; cancelling it drops its connection. */
    static final class Pending {
        private final CompletableFuture<Result> result;
        private final CompletableFuture<HttpResponse<InputStream>> response;
        private final AtomicReference<InputStream> body = new AtomicReference<>();
        private volatile boolean cancelled;

        private Pending(
                CompletableFuture<HttpResponse<InputStream>> response,
                BiFunction<Pending, HttpResponse<InputStream>, Result> read,
                Executor executor,
                Function<Throwable, Result> failed) {
            this.response = response;
            this.result =
                    response.thenApplyAsync(r -> read.apply(this, r), executor).exceptionally(failed);
        }

        /** The body is there: kept to be closed on a cancel, or closed at once if the cancel came first. */
        private void took(InputStream in) {
            body.set(in);
            if (cancelled) {
                close(in);
            }
        }

        CompletableFuture<Result> result() {
            return result;
        }

        void cancel() {
            cancelled = true;
            response.cancel(true);
            InputStream in = body.get();
            if (in != null) {
                close(in);
            }
        }

        private static void close(InputStream in) {
            try {
                in.close();
            } catch (IOException ignored) {
                // dropping it is all that was asked
            }
        }
    }

    private final GatewayCall calls;
    private final Function<Provider, Map<String, String>> headers;
    private final ErrorClassifier classifier;
    private final StreamStart streams;
    private final FirstTokenLimits firstTokens;
    private final RotationPolicy policy;
    private final RotorMetrics metrics;
    private final Clock clock;
    private final Executor executor;

    public StreamOpener(
            GatewayCall calls,
            Function<Provider, Map<String, String>> headers,
            ErrorClassifier classifier,
            StreamStart streams,
            FirstTokenLimits firstTokens,
            RotationPolicy policy,
            RotorMetrics metrics,
            Clock clock,
            Executor executor) {
        this.calls = calls;
        this.headers = headers;
        this.classifier = classifier;
        this.streams = streams;
        this.firstTokens = firstTokens;
        this.policy = policy;
        this.metrics = metrics;
        this.clock = clock;
        this.executor = executor;
    }

    /** Sends the call; its result is there once its first content is, or it failed, or {@code within} ran out. */
    Pending start(ModelSpec model, String body, Duration within) {
        return start(model, body, within, Map.of());
    }

    /** @param context headers that carry the call's trace context to the provider */
    Pending start(ModelSpec model, String body, Duration within, Map<String, String> context) {
        Instant at = clock.instant();
        long started = System.nanoTime();
        metrics.called(model);
        CompletableFuture<HttpResponse<InputStream>> response;
        try {
            Map<String, String> sent = headers.apply(model.provider());
            if (!context.isEmpty()) {
                sent = new LinkedHashMap<>(sent);
                sent.putAll(context);
            }
            response = calls.openStream(model.provider(), sent, body);
        } catch (RuntimeException e) {
            response = CompletableFuture.failedFuture(e);
        }
        CompletableFuture<HttpResponse<InputStream>> call = response;
        // cancelling the client's future abandons the call: it is not waited out
        CompletableFuture.delayedExecutor(Math.max(1, within.toMillis()), TimeUnit.MILLISECONDS)
                .execute(() -> call.cancel(true));
        return new Pending(
                call,
                (pending, r) -> {
                    pending.took(r.body());
                    return read(model, r, within, started, at);
                },
                executor,
                e -> new Failed(model, failureOf(e, within), since(started), at));
    }

    private Result read(
            ModelSpec model, HttpResponse<InputStream> response, Duration within, long started, Instant at) {
        Function<String, String> header =
                name -> response.headers().firstValue(name).orElse(null);
        try {
            if (response.statusCode() == 200) {
                OpenStream open = streams.await(response.body(), header, within.minus(since(started)));
                return new Opened(model, open, since(started), at, classifier.limitsOf(header));
            }
            String text;
            try (InputStream in = response.body()) {
                text = new String(in.readNBytes(MAX_ERROR_BODY), StandardCharsets.UTF_8);
            }
            Failure failure =
                    classifier.classify(response.statusCode(), header, text) instanceof ErrorClassifier.Failed f
                            ? f.failure()
                            : Failure.of(FailureKind.TRANSIENT, response.statusCode(), "an answer that is no stream");
            return new Failed(model, failure, since(started), at);
        } catch (ModelCallException e) {
            return new Failed(model, e.failure(), since(started), at);
        } catch (IOException e) {
            return new Failed(model, classifier.classify(e), since(started), at);
        }
    }

    private Failure failureOf(Throwable error, Duration within) {
        Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
        if (cause instanceof CancellationException) {
            return Failure.silent(0, "no answer within " + within.toMillis() + " ms");
        }
        return classifier.classify(cause);
    }

    /** Records the call in the task's progress and lets the policy and the metrics learn from it. */
    void settle(TaskProgress progress, Permit permit, Result result, String verdict) {
        if (result instanceof Opened opened) {
            progress.record(new Attempt(
                    opened.model().id(),
                    Attempt.OK,
                    200,
                    opened.toFirstToken().toMillis(),
                    opened.at(),
                    null,
                    verdict));
            firstTokens.observed(opened.model(), opened.toFirstToken());
            policy.onSuccess(permit, opened.toFirstToken(), opened.limits());
            metrics.succeeded(
                    opened.model(),
                    opened.toFirstToken(),
                    new ChatResult(
                            opened.open().firstContent(),
                            JsonNodeFactory.instance.objectNode(),
                            opened.model().id(),
                            null));
            return;
        }
        Failed failed = (Failed) result;
        Failure failure = failed.failure();
        if (failure.silent()) {
            // left at its limit: learned as a stream that took the limit
            firstTokens.observed(failed.model(), failed.latency());
        }
        progress.record(new Attempt(
                failed.model().id(),
                failure.kind().label(),
                failure.httpStatus() > 0 ? failure.httpStatus() : null,
                failed.latency().toMillis(),
                failed.at(),
                failure.message()));
        metrics.failed(failed.model(), failed.latency(), failure);
        policy.onFailure(progress, permit, failure);
    }

    /** A call left on purpose: recorded as such, its permit settled as a sent call's; no failure of its model. */
    void abandon(TaskProgress progress, Permit permit, ModelSpec model, Instant at, Duration after, String why) {
        progress.record(new Attempt(model.id(), "abandoned", null, after.toMillis(), at, why));
        policy.onAbandoned(permit);
    }

    private static Duration since(long nanos) {
        return Duration.ofNanos(System.nanoTime() - nanos);
    }
}
