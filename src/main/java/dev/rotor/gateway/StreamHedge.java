package dev.rotor.gateway;

import dev.rotor.chat.ChatRequestMapper;
import dev.rotor.chat.Failure;
import dev.rotor.chat.FailureKind;
import dev.rotor.chat.ModelCallException;
import dev.rotor.chat.stream.FirstTokenLimits;
import dev.rotor.chat.stream.Hedging;
import dev.rotor.chat.stream.OpenStream;
import dev.rotor.core.LogContext;
import dev.rotor.metrics.RotorMetrics;
import dev.rotor.models.ModelSpec;
import dev.rotor.rotation.RotationPolicy;
import dev.rotor.rotation.Selection;
import dev.rotor.rotation.TaskProgress;
import dev.rotor.task.Task;
import dev.rotor.tracing.StreamedCall;
import dev.rotor.tracing.Traces;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code rotor.gateway.hedge=true}: a stream with no first token at its model's learned limit is asked of the next free
 * model as well, and the first to send content serves the caller. A hedge spends a call, so it goes only to a model
 * free now (within its limits) with no budget to spend; with none, the original is left at its limit and the request
 * rotates, as with hedging off.
 */
public final class StreamHedge implements Hedging {

    private static final Logger LOG = LoggerFactory.getLogger(StreamHedge.class);
    static final String VERDICT_HEDGE = "hedge";

    private final Traces traces;
    private final RotationPolicy policy;
    private final ChatRequestMapper requests;
    private final StreamOpener opener;
    private final FirstTokenLimits firstTokens;
    private final RotorMetrics metrics;
    private final MeterRegistry meters;
    private final Clock clock;
    private final Executor executor;

    public StreamHedge(
            RotationPolicy policy,
            ChatRequestMapper requests,
            StreamOpener opener,
            FirstTokenLimits firstTokens,
            RotorMetrics metrics,
            MeterRegistry meters,
            Clock clock,
            Executor executor,
            Traces traces) {
        this.traces = traces;
        this.policy = policy;
        this.requests = requests;
        this.opener = opener;
        this.firstTokens = firstTokens;
        this.metrics = metrics;
        this.meters = meters;
        this.clock = clock;
        this.executor = executor;
    }

    @Override
    public boolean on() {
        return true;
    }

    @Override
    public Won race(TaskProgress progress, Task task, Call original, Duration hedgeAt) throws ModelCallException {
        CompletableFuture<OpenStream> first = CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return original.await().await();
                    } catch (ModelCallException e) {
                        throw new CompletionException(e);
                    }
                },
                executor);
        try {
            return new Won(
                    original.model(),
                    original.permit(),
                    first.get(Math.max(1, hedgeAt.toMillis()), TimeUnit.MILLISECONDS),
                    false,
                    null);
        } catch (TimeoutException late) {
            // late for this model: the moment to ask another
        } catch (ExecutionException | InterruptedException e) {
            throw failure(e);
        }
        Duration limit = firstTokens.limitFor(original.model());
        Optional<Selection.Use> use = policy.selectToContinue(
                progress, m -> !m.id().equals(original.model().id()) && spendsNoBudget(m));
        if (use.isEmpty()) {
            // no model to hedge on: the original is left at its limit, as with hedging off, and the request rotates
            original.close();
            first.exceptionally(e -> null).join();
            firstTokens.observed(original.model(), limit);
            throw new ModelCallException(Failure.silent(200, "no first token within " + hedgeAt.toMillis() + " ms"));
        }
        ModelSpec hedge = use.get().model();
        try (var log = LogContext.of(progress, hedge)) {
            LOG.info(
                    "no first token from {} in {} ms: {} is asked too",
                    original.model().id(),
                    hedgeAt.toMillis(),
                    hedge.id());
        }
        metrics.rotated(
                progress.taskId(),
                original.model().id(),
                hedge,
                "hedge: no first token in " + hedgeAt.toMillis() + " ms");
        counter("rotor.gateway.hedges", hedge, "Second calls made for streams whose first token was late")
                .increment();
        StreamOpener.Pending second;
        String body = requests.body(task, hedge, Optional.empty(), OptionalInt.empty());
        StreamedCall hedgeCall = traces.sideCallStarted(
                progress,
                hedge,
                body,
                "hedge",
                "hedge: no first token from " + original.model().id() + " in " + hedgeAt.toMillis() + " ms");
        try {
            second = opener.start(
                    hedge, body, progress.within(firstTokens.limitFor(hedge), clock.instant()), hedgeCall.context());
        } catch (RuntimeException e) {
            policy.onAbandoned(use.get().permit());
            LOG.warn("the hedge on {} could not be sent: {}", hedge.id(), e.toString());
            Traces.sideCallFailed(hedgeCall, Failure.of(FailureKind.TRANSIENT, 0, e.toString()));
            return new Won(original.model(), original.permit(), join(first), false, null);
        }
        CompletableFuture.anyOf(first, second.result()).exceptionally(e -> null).join();
        if (succeeded(first)) {
            return originalWins(progress, original, first.join(), use.get(), second, hedgeCall);
        }
        StreamOpener.Result result = second.result().join();
        if (!(result instanceof StreamOpener.Opened opened)) {
            opener.settle(progress, use.get().permit(), result, VERDICT_HEDGE);
            Traces.sideCallFailed(hedgeCall, ((StreamOpener.Failed) result).failure());
            return new Won(original.model(), original.permit(), join(first), false, null);
        }
        if (succeeded(first)) {
            // both came in at once: the original keeps the caller, the hedge is dropped
            opened.open().reader().close();
            return originalWins(progress, original, first.join(), use.get(), second, hedgeCall);
        }
        Duration originalTook = Duration.between(original.at(), clock.instant());
        if (first.isDone()) {
            // the original failed on its own: that is learned as any failed call is
            opener.settle(
                    progress,
                    original.permit(),
                    new StreamOpener.Failed(original.model(), failureOf(first), originalTook, original.at()),
                    null);
        } else {
            original.close();
            firstTokens.observed(original.model(), limit);
            opener.abandon(
                    progress,
                    original.permit(),
                    original.model(),
                    original.at(),
                    originalTook,
                    "lost the race to " + hedge.id());
            counter(
                            "rotor.gateway.hedges.cancelled",
                            original.model(),
                            "Calls cancelled because the other of a " + "hedged pair sent content first")
                    .increment();
        }
        opener.settle(progress, use.get().permit(), opened, VERDICT_HEDGE);
        Traces.sideCallOpened(hedgeCall, opened.toFirstToken());
        return new Won(hedge, use.get().permit(), opened.open(), true, hedgeCall);
    }

    private static Failure failureOf(CompletableFuture<OpenStream> failed) {
        try {
            failed.join();
            return Failure.of(FailureKind.TRANSIENT, 200, "no failure");
        } catch (CompletionException e) {
            return failure(e).failure();
        }
    }

    private static boolean succeeded(CompletableFuture<?> future) {
        return future.isDone() && !future.isCompletedExceptionally();
    }

    private Won originalWins(
            TaskProgress progress,
            Call original,
            OpenStream open,
            Selection.Use hedge,
            StreamOpener.Pending second,
            StreamedCall hedgeCall) {
        second.cancel();
        Traces.callLostRace(hedgeCall, original.model().id());
        StreamOpener.Result late = second.result().join();
        if (late instanceof StreamOpener.Opened opened) {
            opened.open().reader().close();
        }
        opener.abandon(
                progress,
                hedge.permit(),
                hedge.model(),
                late.at(),
                Duration.between(late.at(), clock.instant()),
                "lost the race to " + original.model().id());
        counter(
                        "rotor.gateway.hedges.cancelled",
                        hedge.model(),
                        "Calls cancelled because the other of a hedged pair " + "sent content first")
                .increment();
        return new Won(original.model(), original.permit(), open, false, null);
    }

    /** A hedge spends a call: never on a model, or a provider, that has a budget to keep to. */
    private static boolean spendsNoBudget(ModelSpec model) {
        return !model.budget().declared() && !model.provider().budget().declared();
    }

    private Counter counter(String name, ModelSpec model, String description) {
        return Counter.builder(name)
                .tag("model", model.id())
                .description(description)
                .register(meters);
    }

    private static OpenStream join(CompletableFuture<OpenStream> first) throws ModelCallException {
        try {
            return first.get();
        } catch (ExecutionException | InterruptedException e) {
            throw failure(e);
        }
    }

    private static ModelCallException failure(Exception e) {
        if (e instanceof InterruptedException) {
            Thread.currentThread().interrupt();
        }
        Throwable cause = e.getCause();
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause instanceof ModelCallException mce
                ? mce
                : new ModelCallException(Failure.of(
                        FailureKind.TRANSIENT,
                        200,
                        "the stream broke before any content: "
                                + (cause == null ? e : cause).getClass().getSimpleName()));
    }
}
