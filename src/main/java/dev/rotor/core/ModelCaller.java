package dev.rotor.core;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.rotor.answers.AnswerChecker;
import dev.rotor.answers.AnswerRejectedException;
import dev.rotor.answers.AnswerVerdict;
import dev.rotor.answers.Expectations;
import dev.rotor.answers.Rejection;
import dev.rotor.chat.CallHeaders;
import dev.rotor.chat.ChatRequestMapper;
import dev.rotor.chat.ChatResult;
import dev.rotor.chat.ErrorClassifier;
import dev.rotor.chat.ModelCallException;
import dev.rotor.chat.TokenUsage;
import dev.rotor.chat.stream.FirstTokenLimits;
import dev.rotor.chat.stream.Hedging;
import dev.rotor.chat.stream.OpenStream;
import dev.rotor.chat.stream.StreamStart;
import dev.rotor.limits.Permit;
import dev.rotor.limits.Spending;
import dev.rotor.metrics.RotorMetrics;
import dev.rotor.models.ModelSpec;
import dev.rotor.models.Provider;
import dev.rotor.rotation.Attempt;
import dev.rotor.rotation.RotationPolicy;
import dev.rotor.rotation.Selection;
import dev.rotor.rotation.TaskProgress;
import dev.rotor.task.Task;
import dev.rotor.tracing.Traces;
import dev.rotor.transport.TransportMetrics;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.component.http.HttpMethods;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The two halves of one attempt around the HTTP call: {@link #prepare} asks the policy for a model and builds the
 * request, {@link #read} classifies the response. Failures are thrown for the route's error handler to decide on.
 */
public final class ModelCaller {

    private static final Logger LOG = LoggerFactory.getLogger(ModelCaller.class);
    static final String VERDICT_ACCEPTED = "accepted";
    /** Accepted once a code fence or prose around the JSON was taken off. */
    static final String VERDICT_HEALED = "healed";

    private final RotationPolicy policy;
    private final ChatRequestMapper requests;
    private final ErrorClassifier classifier;
    private final CallHeaders headers;
    private final RotorMetrics metrics;
    private final Clock clock;
    private final Map<String, String> callUris = new ConcurrentHashMap<>();
    private final StreamStart streams;
    private final FirstTokenLimits firstTokens;
    private final Hedging hedging;
    private final TransportMetrics transports;
    private final AnswerChecker checker;
    private final boolean checksOn;
    private final Traces traces;

    /** @param checksOn check answers whole ({@code rotor.answers.checks}); off, only that there is an answer */
    public ModelCaller(
            RotationPolicy policy,
            ChatRequestMapper requests,
            ErrorClassifier classifier,
            CallHeaders headers,
            RotorMetrics metrics,
            Clock clock,
            StreamStart streams,
            FirstTokenLimits firstTokens,
            Hedging hedging,
            TransportMetrics transports,
            AnswerChecker checker,
            boolean checksOn,
            Traces traces) {
        this.traces = traces;
        this.firstTokens = firstTokens;
        this.hedging = hedging;
        this.checker = checker;
        this.checksOn = checksOn;
        this.streams = streams;
        this.transports = transports;
        this.policy = policy;
        this.requests = requests;
        this.classifier = classifier;
        this.headers = headers;
        this.metrics = metrics;
        this.clock = clock;
    }

    public void prepare(Exchange exchange) throws NoModelAvailableException, TaskAbandonedException {
        TaskProgress progress = exchange.getProperty(ExchangeKeys.PROGRESS, TaskProgress.class);
        Selection selection = policy.select(progress);
        transports.waitingForModel(exchange, selection instanceof Selection.Wait);
        if (selection instanceof Selection.Wait wait) {
            throw new NoModelAvailableException(wait);
        }
        if (selection instanceof Selection.GiveUp giveUp) {
            throw new TaskAbandonedException(giveUp.type(), giveUp.reason());
        }
        Selection.Use use = (Selection.Use) selection;
        ModelSpec model = use.model();
        String rotation = use.rotated() ? rotation(progress, model) : null;
        Message in = exchange.getIn();
        in.removeHeaders("*");
        Task task = exchange.getProperty(ExchangeKeys.TASK, Task.class);
        String body = requests.body(task, model, progress.followUpFor(model), progress.maxTokensFor(model));
        in.setBody(body);
        // the enum itself: a String would go through Camel's converter lookup, which is not cached for it
        in.setHeader(Exchange.HTTP_METHOD, HttpMethods.POST);
        headers.of(model.provider()).forEach(in::setHeader);
        exchange.setProperty(ExchangeKeys.MODEL, model);
        exchange.setProperty(ExchangeKeys.PERMIT, use.permit());
        if (!hasOwnCaller(exchange)) {
            // the camel-http endpoint of the model's provider (see the attempt route)
            exchange.setProperty(ExchangeKeys.CALL_URI, callUri(model.provider()));
        }
        exchange.setProperty(ExchangeKeys.CALL_STARTED, new CallStart(clock.instant(), System.nanoTime()));
        if (traces.on()) {
            traces.callStarted(
                    exchange,
                    progress,
                    model,
                    body,
                    rotation,
                    ChatRequestMapper.maxTokensSent(task, model, progress.maxTokensFor(model)));
        }
        metrics.called(model);
    }

    public void read(Exchange exchange) throws ModelCallException {
        Message in = exchange.getIn();
        in.removeHeader(CallHeaders.AUTHORIZATION);
        int status = in.getHeader(Exchange.HTTP_RESPONSE_CODE, 0, Integer.class);
        if (status == 200 && streamed(exchange)) {
            readStream(exchange);
            return;
        }
        ErrorClassifier.Verdict verdict = classifier.classify(status, ResponseHeaders.of(in), in.getBody(String.class));
        if (verdict instanceof ErrorClassifier.Failed failed) {
            throw new ModelCallException(failed.failure());
        }
        ErrorClassifier.Completed completed = (ErrorClassifier.Completed) verdict;
        TokenUsage usage = TokenUsage.of(completed.result().usage());
        Task task = exchange.getProperty(ExchangeKeys.TASK, Task.class);
        AnswerVerdict.Accepted accepted = check(completed, task, usage);
        var result = completed.result().withContent(accepted.content());
        ModelSpec model = exchange.getProperty(ExchangeKeys.MODEL, ModelSpec.class);
        CallStart start = exchange.getProperty(ExchangeKeys.CALL_STARTED, CallStart.class);
        Duration latency = start.elapsed();
        TaskProgress progress = exchange.getProperty(ExchangeKeys.PROGRESS, TaskProgress.class);
        progress.record(new Attempt(
                model.id(),
                Attempt.OK,
                status,
                latency.toMillis(),
                start.at(),
                null,
                accepted.healed() ? VERDICT_HEALED : VERDICT_ACCEPTED));
        if (task.expects().whole()) {
            policy.answerPassed(model, task.expects().kind());
        }
        if (accepted.healed()) {
            metrics.answerHealed(model);
        }
        exchange.setProperty(ExchangeKeys.VERDICT, accepted);
        policy.onSuccess(exchange.getProperty(ExchangeKeys.PERMIT, Permit.class), latency, completed.limits(), usage);
        OptionalLong cost = Spending.costOf(model, usage);
        cost.ifPresent(c -> metrics.spent(model, c));
        progress.spent(cost);
        traces.callAnswered(
                progress,
                status,
                completed.result().body(),
                usage,
                accepted.healed() ? VERDICT_HEALED : VERDICT_ACCEPTED,
                cost);
        exchange.removeProperty(ExchangeKeys.CALL_STARTED);
        exchange.removeProperty(ExchangeKeys.PERMIT);
        metrics.succeeded(model, latency, result);
        metrics.operation(
                model,
                result.answeringModel() == null || result.answeringModel().isBlank()
                        ? model.id()
                        : result.answeringModel(),
                latency,
                "");
        metrics.ignoredSignals(completed.limits());
        exchange.setProperty(ExchangeKeys.RESULT, result);
    }

    /** The answer's verdict: accepted, or thrown as a rejection for the route's error handler. */
    private AnswerVerdict.Accepted check(ErrorClassifier.Completed completed, Task task, TokenUsage usage)
            throws AnswerRejectedException {
        Expectations expects = checksOn ? task.expects() : task.expects().checkedOnlyForAnAnswer();
        AnswerVerdict verdict = checker.verdict(completed.result().body(), expects);
        if (verdict instanceof AnswerVerdict.Rejected rejected) {
            throw new AnswerRejectedException(new Rejection(
                    rejected.fault(),
                    rejected.detail(),
                    completed.result().content(),
                    completed.result().toolCalls(),
                    usage,
                    completed.limits()));
        }
        return (AnswerVerdict.Accepted) verdict;
    }

    /**
     * A streamed answer is decided at its first content chunk: a failure before it throws as any failed call does (and
     * rotates); from it on, the call succeeded and the rest is relayed to the caller.
     */
    private void readStream(Exchange exchange) throws ModelCallException {
        Message in = exchange.getIn();
        CallStart start = exchange.getProperty(ExchangeKeys.CALL_STARTED, CallStart.class);
        TaskProgress progress = exchange.getProperty(ExchangeKeys.PROGRESS, TaskProgress.class);
        ModelSpec model = exchange.getProperty(ExchangeKeys.MODEL, ModelSpec.class);
        Permit permit = exchange.getProperty(ExchangeKeys.PERMIT, Permit.class);
        InputStream body = exchange.getProperty(ExchangeKeys.STREAM_BODY, InputStream.class);
        exchange.removeProperty(ExchangeKeys.STREAM_BODY);
        ResponseHeaders headers = ResponseHeaders.of(in);
        Hedging.Won won = awaitFirstContent(
                exchange,
                progress,
                headers,
                new Hedging.Call(
                        model,
                        permit,
                        start.at(),
                        body,
                        () -> streams.await(body, headers, left(progress, firstTokens.ceiling(), start))));
        exchange.removeProperty(ExchangeKeys.CALL_STARTED);
        exchange.removeProperty(ExchangeKeys.PERMIT);
        OpenStream open = won.open();
        ChatResult result = new ChatResult(
                open.firstContent(),
                JsonNodeFactory.instance.objectNode(),
                won.model().id(),
                null);
        if (!won.hedge()) {
            Duration toFirstToken = start.elapsed();
            progress.record(new Attempt(model.id(), Attempt.OK, 200, toFirstToken.toMillis(), start.at(), null));
            firstTokens.observed(model, toFirstToken);
            var limits = classifier.limitsOf(headers);
            policy.onSuccess(permit, toFirstToken, limits);
            metrics.succeeded(model, toFirstToken, result);
            metrics.ignoredSignals(limits);
        }
        exchange.setProperty(ExchangeKeys.MODEL, won.model());
        exchange.setProperty(ExchangeKeys.RESULT, result);
        exchange.setProperty(ExchangeKeys.OPEN_STREAM, open);
        exchange.setProperty(
                ExchangeKeys.STREAMED_CALL,
                traces.callStreaming(progress, won.model(), start.nanos(), start.elapsed(), won.hedgeCall()));
    }

    /**
     * The stream's first content, within its model's learned limit: past it, the call fails and rotates, or, with
     * hedging on, the next free model is asked too and the first to send content wins.
     */
    private Hedging.Won awaitFirstContent(
            Exchange exchange, TaskProgress progress, ResponseHeaders headers, Hedging.Call call)
            throws ModelCallException {
        ModelSpec model = call.model();
        Duration limit = firstTokens.limitFor(model);
        CallStart start = exchange.getProperty(ExchangeKeys.CALL_STARTED, CallStart.class);
        if (hedging.on() && firstTokens.learned(model)) {
            return hedging.race(
                    progress, exchange.getProperty(ExchangeKeys.TASK, Task.class), call, left(progress, limit, start));
        }
        try {
            return new Hedging.Won(
                    model,
                    call.permit(),
                    streams.await(call.body(), headers, left(progress, limit, start)),
                    false,
                    null);
        } catch (ModelCallException late) {
            if (late.failure().silent()) {
                // left at its limit: a model that became slower for good raises its limit again this way
                firstTokens.observed(model, limit);
            }
            throw late;
        }
    }

    /** What is left of {@code limit} since the call began, and of the request's deadline. */
    private Duration left(TaskProgress progress, Duration limit, CallStart start) {
        Duration left = progress.within(limit.minus(start.elapsed()), clock.instant());
        return left.isNegative() ? Duration.ofMillis(1) : left;
    }

    /** Whether the task's intake makes its calls itself ({@link OwnCaller}). */
    private static boolean hasOwnCaller(Exchange exchange) {
        return exchange.getProperty(ExchangeKeys.CALLER) != null;
    }

    private static boolean streamed(Exchange exchange) {
        return exchange.getProperty(ExchangeKeys.STREAMED, false, Boolean.class);
    }

    /** When and where a call began: the instant for the record, the nano time for an exact latency. */
    public record CallStart(Instant at, long nanos) {
        public Duration elapsed() {
            return Duration.ofNanos(System.nanoTime() - nanos);
        }
    }

    private String callUri(Provider provider) {
        return callUris.computeIfAbsent(
                provider.name(), p -> provider.chatCompletionsUrl() + "?throwExceptionOnFailure=false");
    }

    /** Logs and counts the rotation, and returns why it happened. */
    private String rotation(TaskProgress progress, ModelSpec to) {
        String from = progress.attempts().isEmpty()
                ? "?"
                : progress.attempts().get(progress.attempts().size() - 1).model();
        String reason = progress.lastFailure()
                .map(f -> f.kind().label() + ": " + f.message())
                .orElse("unavailable");
        String until = policy.registryModel(from)
                .flatMap(policy::cooldownUntil)
                .map(Instant::toString)
                .orElse("-");
        try (var log = LogContext.of(progress, to)) {
            LOG.info("rotation {} -> {} ({}; {} unavailable until {})", from, to.id(), reason, from, until);
        }
        metrics.rotated(progress.taskId(), from, to, reason);
        traces.rotated(progress, from, to.id(), reason);
        return reason;
    }
}
