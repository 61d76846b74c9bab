package dev.rotor.core;

import dev.rotor.answers.AnswerFault;
import dev.rotor.answers.AnswerRejectedException;
import dev.rotor.answers.Rejection;
import dev.rotor.chat.CallHeaders;
import dev.rotor.chat.ErrorClassifier;
import dev.rotor.chat.Failure;
import dev.rotor.chat.FailureKind;
import dev.rotor.chat.ModelCallException;
import dev.rotor.limits.Permit;
import dev.rotor.limits.Spending;
import dev.rotor.metrics.RotorMetrics;
import dev.rotor.models.ModelSpec;
import dev.rotor.output.Deliveries;
import dev.rotor.rotation.Attempt;
import dev.rotor.rotation.DeadLetterType;
import dev.rotor.rotation.Decision;
import dev.rotor.rotation.RotationPolicy;
import dev.rotor.rotation.TaskProgress;
import dev.rotor.tracing.Traces;
import java.time.Duration;
import java.util.OptionalLong;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs right after an attempt failed (Camel's onExceptionOccurred, before the redelivery delay is taken): records the
 * attempt, lets the policy learn and decide, and hands Camel the delay through {@code CamelRedeliveryDelay}. Camel's
 * asynchronous delayed redelivery then does the waiting without holding a thread.
 */
public final class FailureHandler {

    private static final Logger LOG = LoggerFactory.getLogger(FailureHandler.class);

    private final RotationPolicy policy;
    private final ErrorClassifier classifier;
    private final RotorMetrics metrics;
    private final Duration maxHold;
    private final Traces traces;

    /** @param maxHold the longest a transacted consumer waits in place; a longer wait parks the task */
    public FailureHandler(
            RotationPolicy policy, ErrorClassifier classifier, RotorMetrics metrics, Duration maxHold, Traces traces) {
        this.traces = traces;
        this.policy = policy;
        this.classifier = classifier;
        this.metrics = metrics;
        this.maxHold = maxHold;
    }

    public void onFailure(Exchange exchange) {
        exchange.getIn().removeHeader(CallHeaders.AUTHORIZATION);
        Exception error = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
        TaskProgress progress = exchange.getProperty(ExchangeKeys.PROGRESS, TaskProgress.class);
        ModelSpec model = exchange.getProperty(ExchangeKeys.MODEL, ModelSpec.class);
        ModelCaller.CallStart call = exchange.getProperty(ExchangeKeys.CALL_STARTED, ModelCaller.CallStart.class);
        Permit permit = exchange.getProperty(ExchangeKeys.PERMIT, Permit.class);
        exchange.removeProperty(ExchangeKeys.CALL_STARTED);
        exchange.removeProperty(ExchangeKeys.PERMIT);
        try (var log = LogContext.of(progress, model)) {
            Decision decision = parkIfTooLongToHold(exchange, decide(exchange, error, progress, permit, call));
            exchange.setProperty(ExchangeKeys.DECISION, decision);
            if (decision instanceof Decision.Park park) {
                LOG.info(
                        "parking: back to the queue for {} ms ({})",
                        park.delay().toMillis(),
                        park.why());
            } else if (decision instanceof Decision.Retry retry) {
                exchange.getIn()
                        .setHeader(Exchange.REDELIVERY_DELAY, retry.delay().toMillis());
                int next = progress == null ? 0 : progress.calls() + 1;
                LOG.info("retry: attempt {} in {} ms ({})", next, retry.delay().toMillis(), retry.why());
            } else if (decision instanceof Decision.Keep keep) {
                LOG.info("input kept to be taken again: {}", keep.why());
            } else if (decision instanceof Decision.GiveUp giveUp) {
                LOG.warn("dead letter ({}): {}", giveUp.type().label(), giveUp.reason());
            }
        }
    }

    /** The retryWhile predicate: redeliver while the last decision was to retry. */
    public boolean shouldRetry(Exchange exchange) {
        return exchange.getProperty(ExchangeKeys.DECISION) instanceof Decision.Retry;
    }

    /**
     * The onException's {@code handled}: false only for a task that ends with no outcome, so that its failure reaches
     * its consumer, which keeps the input (file rollback, JMS rollback, Kafka offset not committed).
     */
    public boolean isHandled(Exchange exchange) {
        return !(exchange.getProperty(ExchangeKeys.DECISION) instanceof Decision.Keep);
    }

    /** Whether the task ends with no outcome, its input kept by its transport. */
    public boolean isKept(Exchange exchange) {
        return !isHandled(exchange);
    }

    /** Whether the task is to go back to its queue rather than to the dead letter. */
    public boolean isParked(Exchange exchange) {
        return exchange.getProperty(ExchangeKeys.DECISION) instanceof Decision.Park;
    }

    /** A transacted consumer waits in its own thread until its task ends: keep such waits short. */
    private Decision parkIfTooLongToHold(Exchange exchange, Decision decision) {
        if (decision instanceof Decision.Retry retry
                && exchange.getProperty(ExchangeKeys.PARKABLE, false, Boolean.class)
                && retry.delay().compareTo(maxHold) > 0) {
            return new Decision.Park(retry.delay(), retry.why());
        }
        return decision;
    }

    private Decision decide(
            Exchange exchange, Exception error, TaskProgress progress, Permit permit, ModelCaller.CallStart call) {
        if (Deliveries.isHeld(exchange)) {
            // its output refused the outcome until Rotor began to stop: no new call, and no dead letter either
            return new Decision.Keep("its outcome was not delivered before Rotor stopped (" + error + ")");
        }
        if (error instanceof NoModelAvailableException noModel) {
            Decision waiting = policy.waitFor(progress, noModel.waitUntil());
            if (waiting instanceof Decision.Retry retry) {
                traces.recordWait(progress, retry.why());
            }
            return waiting;
        }
        if (error instanceof TaskAbandonedException abandoned) {
            return new Decision.GiveUp(abandoned.type(), abandoned.getMessage());
        }
        if (progress != null && permit != null && call != null) {
            Failure failure = error instanceof ModelCallException mce ? mce.failure() : classifier.classify(error);
            Rejection rejection = error instanceof AnswerRejectedException rejected ? rejected.rejection() : null;
            Decision decision = afterCall(progress, permit, call, failure, rejection);
            traceFailedCall(progress, permit.model(), failure, rejection, decision);
            return decision;
        }
        return afterOtherFailure(exchange, error);
    }

    /** What the call's failure, or its answer's, teaches the policy, and what the task does next. */
    private Decision afterCall(
            TaskProgress progress, Permit permit, ModelCaller.CallStart call, Failure failure, Rejection rejection) {
        ModelSpec model = permit.model();
        Duration latency = call.elapsed();
        metrics.operation(model, "", latency, rejection == null ? failure.kind().label() : "answer_rejected");
        progress.record(new Attempt(
                model.id(),
                failure.kind().label(),
                failure.httpStatus() > 0 ? failure.httpStatus() : null,
                latency.toMillis(),
                call.at(),
                failure.message(),
                rejection == null ? null : rejection.fault().label()));
        if (rejection != null) {
            metrics.answerRejected(model, latency, rejection);
            // an answer that fails its checks is paid for all the same
            OptionalLong cost = Spending.costOf(model, rejection.usage());
            cost.ifPresent(c -> metrics.spent(model, c));
            progress.spent(cost);
            if (rejection.fault().remedy() != AnswerFault.Remedy.RETRY) {
                return policy.onRejected(progress, permit, latency, rejection);
            }
        }
        metrics.failed(model, latency, failure);
        metrics.ignoredSignals(failure.limits());
        if (rejection != null) {
            return policy.onEmptyAnswer(progress, permit, rejection);
        }
        logModelEvents(model, failure);
        return policy.onFailure(progress, permit, failure);
    }

    private void traceFailedCall(
            TaskProgress progress, ModelSpec model, Failure failure, Rejection rejection, Decision decision) {
        traces.callFailed(
                progress,
                failure,
                rejection == null ? null : rejection.fault().label(),
                decision,
                policy.cooldownUntil(model));
        if (rejection != null && progress.followUpFor(model).isPresent()) {
            traces.reasked(progress, model.id(), rejection.fault().label(), rejection.detail());
        }
    }

    /** Not a model's fault (delivering the result failed, say): plain backoff, bounded by max-attempts. */
    private Decision afterOtherFailure(Exchange exchange, Exception error) {
        int counter = exchange.getIn().getHeader(Exchange.REDELIVERY_COUNTER, 1, Integer.class);
        if (counter >= policy.config().maxAttempts()) {
            return new Decision.GiveUp(DeadLetterType.EXHAUSTED, "gave up after " + counter + " tries: " + error);
        }
        return new Decision.Retry(policy.config().backoff().delay(counter, 0.5), String.valueOf(error));
    }

    private void logModelEvents(ModelSpec model, Failure failure) {
        if (failure.kind() == FailureKind.RATE_LIMITED && ErrorClassifier.isDailyCap(failure)) {
            metrics.dailyCapHit(model);
            LOG.warn(
                    "{} hit a daily cap: parked until {}",
                    model.id(),
                    failure.retryAt().map(Object::toString).orElse("its backoff ends"));
        } else if (failure.kind() == FailureKind.MODEL_GONE) {
            LOG.warn("{} leaves the rotation: {}", model.id(), failure.message());
        } else if (failure.kind() == FailureKind.AUTH) {
            LOG.error(
                    "provider '{}' refused the request (HTTP {}): its models are skipped until restart",
                    model.provider().name(),
                    failure.httpStatus());
        }
    }
}
