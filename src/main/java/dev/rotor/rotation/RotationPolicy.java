package dev.rotor.rotation;

import dev.rotor.answers.Rejection;
import dev.rotor.chat.Failure;
import dev.rotor.chat.FailureKind;
import dev.rotor.chat.LimitScope;
import dev.rotor.chat.TokenUsage;
import dev.rotor.chat.headers.LimitReport;
import dev.rotor.limits.Admission;
import dev.rotor.limits.InputEstimates;
import dev.rotor.limits.LimitState;
import dev.rotor.limits.Permit;
import dev.rotor.limits.Reservation;
import dev.rotor.models.ModelRegistry;
import dev.rotor.models.ModelSpec;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.DoubleSupplier;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides, for every task: which model to call now, and what to do after a failure (rotate, retry after a delay, wait,
 * give up). What it knows of limits it asks the {@link LimitState} and tells it what each answer said; the breakers are
 * its own. The strategy ({@code priority} or the prototype's {@code sticky}) orders the candidates and answers
 * failures. Pure logic: time from the injected clock, randomness from the injected supplier, no sleeping.
 */
public final class RotationPolicy {

    private static final Logger LOG = LoggerFactory.getLogger(RotationPolicy.class);

    /** While a half-open breaker's probe is out, look again after this long. */
    private static final Duration PROBE_RECHECK = Duration.ofSeconds(1);

    private final ModelRegistry registry;
    private final RotationConfig config;
    private final LimitState limits;
    private final Clock clock;
    private final DoubleSupplier random;
    private final RotationStrategy strategy;
    private final Breakers breakers;
    private final InputEstimates estimates;
    private final AnswerTrust answerTrust;
    private int consecutiveFailures;

    public RotationPolicy(
            ModelRegistry registry, RotationConfig config, LimitState limits, Clock clock, DoubleSupplier random) {
        this(registry, config, limits, clock, random, new InputEstimates());
    }

    /** @param estimates what a call of a task reserves on each model, and how its estimates learn from answers */
    public RotationPolicy(
            ModelRegistry registry,
            RotationConfig config,
            LimitState limits,
            Clock clock,
            DoubleSupplier random,
            InputEstimates estimates) {
        this.estimates = estimates;
        this.registry = registry;
        this.config = config;
        this.limits = limits;
        this.clock = clock;
        this.random = random;
        this.strategy = RotationStrategy.of(config, registry.models(), random);
        this.breakers = new Breakers(registry.models(), config.breakerThreshold(), config.breakerWait(), clock);
        this.answerTrust = new AnswerTrust(config.distrustAfter(), config.distrustFor());
    }

    public RotationConfig config() {
        return config;
    }

    public LimitState limits() {
        return limits;
    }

    /**
     * Which model the task should call now (its call counted), how long until one is free, or that none ever will be.
     */
    static final long MAX_WAIT_JITTER_MS = 100;

    public synchronized Selection select(TaskProgress task) {
        return select(task, m -> true);
    }

    /**
     * A model free now, of those {@code eligible}, to finish an answer another model began and broke off; empty when
     * none is free at once (a caller's stream does not wait for one).
     */
    public synchronized Optional<Selection.Use> selectToContinue(TaskProgress task, Predicate<ModelSpec> eligible) {
        return select(task, eligible) instanceof Selection.Use use ? Optional.of(use) : Optional.empty();
    }

    private Selection select(TaskProgress task, Predicate<ModelSpec> eligible) {
        Instant now = clock.instant();
        List<ModelSpec> usable = new ArrayList<>(task.chain().size());
        for (ModelSpec m : task.chain()) {
            if (isUsable(m, task) && eligible.test(m)) {
                usable.add(m);
            }
        }
        if (usable.isEmpty()) {
            return giveUpOn(task);
        }
        // models that keep failing this kind's checks sit out, unless no other model is left to the task
        List<ModelSpec> trusted = usable.stream()
                .filter(m -> answerTrust.skippedUntil(m, task.answerKind(), now).isEmpty())
                .toList();
        if (!trusted.isEmpty()) {
            usable = trusted;
        }
        Instant earliest = null;
        for (ModelSpec m : strategy.order(task, usable)) {
            Optional<Instant> open = breakers.openUntil(m, now);
            if (open.isPresent() || !breakers.tryAcquire(m)) {
                earliest = earlier(earliest, open.orElse(now.plus(PROBE_RECHECK)));
                continue;
            }
            Reservation reservation = estimates.plan(m, task.sizeFor(m)).forTask(task.taskId());
            if (!strategy.respectsLimits()) {
                return new Selection.Use(m, task.startCall(m), limits.sendRegardless(m, reservation, now));
            }
            Admission admission = limits.tryAcquire(m, reservation, now);
            if (admission instanceof Admission.Granted granted) {
                return new Selection.Use(m, task.startCall(m), granted.permit());
            }
            breakers.release(m);
            if (admission instanceof Admission.TooLarge tooLarge) {
                task.markTooLarge(m, tooLarge.toString());
                continue;
            }
            if (admission instanceof Admission.OverBudget over) {
                if (over.never()) {
                    task.markOverBudget(m, "its worst case is more than the whole budget of " + over.scope());
                    continue;
                }
                // the model is out of the rotation until its budget resets; others may take the task meanwhile
                if (earliest == null || over.until().isBefore(earliest)) {
                    task.waitsOnBudget("the budget of " + over.scope() + " has no room until " + over.until());
                }
                earliest = earlier(earliest, over.until());
                continue;
            }
            if (earliest == null || ((Admission.NotBefore) admission).at().isBefore(earliest)) {
                task.waitsOnBudget(null);
            }
            earliest = earlier(earliest, ((Admission.NotBefore) admission).at());
        }
        if (earliest == null) {
            // every model left was found too small for the task's tokens just now
            return select(task, eligible);
        }
        return new Selection.Wait(earliest);
    }

    private static Instant earlier(Instant a, Instant b) {
        return a == null || b.isBefore(a) ? b : a;
    }

    /** Nothing is free now: wait for the earliest model if the deadline allows, with a little jitter. */
    public Decision waitFor(TaskProgress task, Selection.Wait wait) {
        Instant now = clock.instant();
        Duration delay =
                Duration.between(now, wait.until()).plusMillis(Math.round(random.getAsDouble() * MAX_WAIT_JITTER_MS));
        return bounded(
                task,
                new Decision.Retry(
                        delay.isNegative() ? Duration.ZERO : delay, "no model available until " + wait.until()),
                now);
    }

    /** The call succeeded: its model's breaker and limits learn so, and from what its headers said. */
    public synchronized void onSuccess(Permit call, Duration latency, LimitReport report) {
        onSuccess(call, latency, report, TokenUsage.NONE);
    }

    /** As above; the answer's usage settles what the call reserved and corrects the model's estimates. */
    public synchronized void onSuccess(Permit call, Duration latency, LimitReport report, TokenUsage usage) {
        breakers.succeeded(call.model(), latency);
        limits.succeeded(call, clock.instant(), report, usage);
        estimates.learn(call.model(), call.reserved(), usage);
        consecutiveFailures = 0;
        strategy.succeeded();
    }

    /**
     * A call left on purpose before it answered (a hedge that lost its race, or the slow call it raced): no failure of
     * the model's, but a call its provider counted, so the limits settle it as sent.
     */
    public synchronized void onAbandoned(Permit call) {
        breakers.release(call.model());
        limits.succeeded(call, clock.instant(), LimitReport.EMPTY, TokenUsage.NONE);
    }

    /** An answer passed its checks: a model that had failed this kind's checks starts again from nothing. */
    public synchronized void answerPassed(ModelSpec model, String kind) {
        answerTrust.passed(model, kind);
    }

    /**
     * An answer came back and failed its checks. The call itself worked: the limits settle what it counted, and its
     * breaker hears a success. Then: a cut-off answer is asked once more with twice the max_tokens, a refusal goes to
     * the next model at once, any other fault is asked again of the same model, told what was wrong, up to
     * {@code reask} times; a model out of chances is not asked again for this task.
     */
    public synchronized Decision onRejected(TaskProgress task, Permit call, Duration latency, Rejection rejection) {
        Instant now = clock.instant();
        ModelSpec model = call.model();
        breakers.succeeded(model, latency);
        limits.succeeded(call, now, rejection.limits(), rejection.usage());
        estimates.learn(model, call.reserved(), rejection.usage());
        task.answerRejected(rejection.failure(), rejection.content());
        if (rejection.fault().breaksFormat() && answerTrust.failed(model, task.answerKind(), now)) {
            LOG.warn(
                    "{} failed the checks of {} tasks {} times in a row: it takes no such task until {}",
                    model.id(),
                    task.answerKind(),
                    config.distrustAfter(),
                    now.plus(config.distrustFor()));
        }
        String why = model.id() + " gave an answer that failed its checks (" + rejection.describe() + ")";
        Decision decision = switch (rejection.fault().remedy()) {
            case WIDEN -> widen(task, model, why);
            case REASK -> {
                if (task.reasksOn(model) < config.reask()) {
                    task.reask(model, rejection.content(), rejection.toolCalls(), rejection.detail());
                    yield new Decision.Retry(Duration.ZERO, why + "; asking it again");
                }
                task.markRejected(model, rejection.describe());
                yield new Decision.Retry(Duration.ZERO, why + "; the next model");
            }
            case ROTATE, RETRY -> {
                task.markRejected(model, rejection.describe());
                yield new Decision.Retry(Duration.ZERO, why + "; the next model");
            }
        };
        return bounded(task, decision, now);
    }

    /** Once more with twice the max_tokens the cut-off call had, when that is known; else the next model. */
    private Decision widen(TaskProgress task, ModelSpec model, String why) {
        OptionalInt sent = task.maxTokensFor(model);
        if (sent.isEmpty()) {
            sent = task.size().maxTokens().isPresent() ? task.size().maxTokens() : model.maxTokens();
        }
        if (task.wasWidened(model) || sent.isEmpty()) {
            task.markRejected(model, "truncated" + (sent.isPresent() ? " at max_tokens " + sent.getAsInt() : ""));
            return new Decision.Retry(Duration.ZERO, why + "; the next model");
        }
        int doubled = (int) Math.min(Integer.MAX_VALUE, 2L * sent.getAsInt());
        task.widen(model, doubled);
        return new Decision.Retry(Duration.ZERO, why + "; asking again with max_tokens " + doubled);
    }

    /**
     * A streamed answer broke after its first content chunk, when the caller already had part of it: nothing is
     * retried, but it counts against the model as a failed call would (its breaker).
     */
    public synchronized void streamBroke(ModelSpec model, Failure failure) {
        breakers.failed(model, failure, clock.instant());
    }

    /** Learns from a failed call and decides what the task does next. */
    public synchronized Decision onFailure(TaskProgress task, Permit call, Failure failure) {
        return onFailure(task, call, failure, null);
    }

    /**
     * An answer with no content (empty, or reasoning only): a transient failure, but one the provider counted and
     * billed, so its usage settles the limits and budgets as an answer's does.
     */
    public synchronized Decision onEmptyAnswer(TaskProgress task, Permit call, Rejection rejection) {
        return onFailure(task, call, rejection.failure(), rejection);
    }

    private Decision onFailure(TaskProgress task, Permit call, Failure failure, Rejection answered) {
        Instant now = clock.instant();
        ModelSpec model = call.model();
        task.failed(failure);
        Instant freeAgain = failure.kind() == FailureKind.RATE_LIMITED
                ? limits.rateLimited(call, now, failure.scope(), failure.retryAt(), failure.limits())
                : null;
        if (answered != null) {
            limits.succeeded(call, now, answered.limits(), answered.usage());
            estimates.learn(model, call.reserved(), answered.usage());
        } else if (failure.kind() == FailureKind.TOO_LARGE) {
            limits.refusedAsTooLarge(call, now, failure.limits());
        } else if (freeAgain == null) {
            limits.failed(call, now);
        }
        if (failure.kind() == FailureKind.TRANSIENT) {
            breakers.failed(model, failure, now);
        } else {
            breakers.release(model);
        }
        Decision decision = switch (failure.kind()) {
            case RATE_LIMITED -> strategy.afterUnavailable(task, "rate limited until " + freeAgain);
            case TRANSIENT -> strategy.afterTransient(task, model, failure, now, () -> anotherIsFree(task, model, now));
            case CONTEXT_TOO_LONG -> {
                task.markUnfit(model);
                yield new Decision.Retry(Duration.ZERO, "prompt too long for " + model.id());
            }
            case TOO_LARGE -> {
                task.markTooLarge(model, model.id() + " said: " + failure.message());
                yield new Decision.Retry(Duration.ZERO, "too large for the limits of " + model.id());
            }
            case PAYMENT -> {
                Instant until = now.plus(config.paymentCooldown());
                limits.coolDown(model, LimitScope.MODEL, until);
                yield strategy.afterUnavailable(task, "payment required until " + until);
            }
            case MODEL_GONE -> {
                limits.leaveRotation(model, failure.message());
                yield strategy.afterUnavailable(task, model.id() + " left the rotation");
            }
            case REFUSED, INVALID_ANSWER -> {
                task.markRejected(model, failure.message());
                yield strategy.afterUnavailable(task, model.id() + " declined: " + failure.message());
            }
            case AUTH -> {
                limits.refuse(model.provider().name(), "HTTP " + failure.httpStatus());
                yield new Decision.GiveUp(
                        DeadLetterType.AUTH, authMessage(model.provider().name()));
            }
            case BAD_REQUEST -> {
                if (task.wasWidened(model)) {
                    // the wider max_tokens is more than this model takes: the next model, with the task's own bound
                    task.markRejected(model, "truncated; twice the max_tokens was refused: " + failure.message());
                    yield new Decision.Retry(Duration.ZERO, model.id() + " refused the wider max_tokens");
                }
                yield new Decision.GiveUp(DeadLetterType.BAD_REQUEST, failure.message());
            }
            default -> new Decision.GiveUp(DeadLetterType.BAD_REQUEST, failure.message());
        };
        if (failure.kind() != FailureKind.AUTH && failure.kind() != FailureKind.BAD_REQUEST) {
            consecutiveFailures++;
        }
        return bounded(task, decision, now);
    }

    private boolean anotherIsFree(TaskProgress task, ModelSpec failing, Instant now) {
        for (ModelSpec m : task.chain()) {
            if (!m.equals(failing) && isUsable(m, task) && isFree(m, now)) {
                return true;
            }
        }
        return false;
    }

    private Decision bounded(TaskProgress task, Decision decision, Instant now) {
        if (!(decision instanceof Decision.Retry retry)) {
            return decision;
        }
        if (task.calls() >= config.maxAttempts()) {
            boolean answers = task.lastFailure()
                    .map(f -> f.kind() == FailureKind.INVALID_ANSWER || f.kind() == FailureKind.REFUSED)
                    .orElse(false);
            return new Decision.GiveUp(
                    answers ? DeadLetterType.INVALID_ANSWER : DeadLetterType.EXHAUSTED,
                    "gave up after " + task.calls() + " calls (max-attempts " + config.maxAttempts()
                            + "); last failure: "
                            + task.lastFailure().map(Failure::message).orElse(retry.why()));
        }
        if (now.plus(retry.delay()).isAfter(task.deadline())) {
            if (task.budgetWait().isPresent()) {
                return new Decision.GiveUp(
                        DeadLetterType.BUDGET,
                        "the task deadline " + task.deadline() + " passes before a model is within its budget: "
                                + task.budgetWait().get(),
                        Optional.of(now.plus(retry.delay())));
            }
            return new Decision.GiveUp(
                    DeadLetterType.DEADLINE,
                    "the task deadline " + task.deadline() + " passes before the next try (" + retry.why() + ")",
                    Optional.of(now.plus(retry.delay())));
        }
        return decision;
    }

    /** The model the next task with the default chain would use, without taking a call. */
    public synchronized Optional<ModelSpec> nextModel() {
        Instant now = clock.instant();
        return strategy.next(registry.models(), m -> isAvailable(m, now));
    }

    public Optional<ModelSpec> registryModel(String id) {
        return registry.model(id);
    }

    public synchronized boolean isAvailable(ModelSpec model) {
        return isAvailable(model, clock.instant());
    }

    public synchronized int consecutiveFailures() {
        return consecutiveFailures;
    }

    public synchronized CircuitBreaker.State breakerState(ModelSpec model) {
        return breakers.state(model);
    }

    /** When an open breaker lets its trial call through; empty when it is not open. */
    public synchronized Optional<Instant> breakerOpenUntil(ModelSpec model) {
        return breakers.openUntil(model, clock.instant());
    }

    public Optional<Instant> cooldownUntil(ModelSpec model) {
        return limits.cooldownUntil(model, clock.instant());
    }

    public boolean isGone(ModelSpec model) {
        return limits.leftRotation(model).isPresent();
    }

    private boolean isAvailable(ModelSpec m, Instant now) {
        return limits.leftRotation(m).isEmpty()
                && limits.refusal(m.provider().name()).isEmpty()
                && isFree(m, now)
                && breakers.state(m) != CircuitBreaker.State.HALF_OPEN;
    }

    /** Could take a call now: its breaker not open and, for a strategy that respects them, its limits have room. */
    private boolean isFree(ModelSpec m, Instant now) {
        return breakers.openUntil(m, now).isEmpty()
                && (!strategy.respectsLimits() || limits.blockedUntil(m, now).isEmpty());
    }

    private boolean isUsable(ModelSpec m, TaskProgress task) {
        return limits.leftRotation(m).isEmpty()
                && limits.refusal(m.provider().name()).isEmpty()
                && !task.isUnfit(m);
    }

    private Selection giveUpOn(TaskProgress task) {
        Optional<String> refused = task.chain().stream()
                .map(m -> m.provider().name())
                .filter(p -> limits.refusal(p).isPresent())
                .findFirst();
        if (refused.isPresent()) {
            return new Selection.GiveUp(DeadLetterType.AUTH, authMessage(refused.get()));
        }
        if (task.chain().stream().allMatch(m -> task.overBudgetFor(m).isPresent())) {
            StringBuilder why = new StringBuilder("no model of the chain has a budget that can ever hold the task:");
            task.chain()
                    .forEach(m -> why.append(' ')
                            .append(m.id())
                            .append(" (")
                            .append(task.overBudgetFor(m).orElseThrow())
                            .append(')'));
            return new Selection.GiveUp(DeadLetterType.BUDGET, why.toString());
        }
        if (task.chain().stream().allMatch(m -> task.tooLargeFor(m).isPresent())) {
            StringBuilder why =
                    new StringBuilder("the task's tokens are more than any model of the chain can ever take:");
            task.chain()
                    .forEach(m -> why.append(' ')
                            .append(m.id())
                            .append(" (")
                            .append(task.tooLargeFor(m).orElseThrow())
                            .append(')'));
            return new Selection.GiveUp(DeadLetterType.TOO_LARGE, why.toString());
        }
        if (task.anyRejected() && task.chain().stream().allMatch(task::isUnfit)) {
            StringBuilder why = new StringBuilder("no model of the chain gave an answer that passed its checks:");
            task.chain()
                    .forEach(m -> why.append(' ')
                            .append(m.id())
                            .append(" (")
                            .append(task.rejectedFor(m)
                                    .or(() -> task.tooLargeFor(m))
                                    .orElse("prompt too long"))
                            .append(')'));
            return new Selection.GiveUp(DeadLetterType.INVALID_ANSWER, why.toString());
        }
        if (task.chain().stream().allMatch(task::isUnfit)) {
            return new Selection.GiveUp(
                    DeadLetterType.BAD_REQUEST, "the prompt is too long for every model of the chain");
        }
        StringBuilder why = new StringBuilder("no model of the chain can take the task:");
        task.chain()
                .forEach(m -> why.append(' ')
                        .append(m.id())
                        .append(" (")
                        .append(task.tooLargeFor(m)
                                .or(() -> task.isUnfit(m) ? Optional.of("prompt too long") : Optional.empty())
                                .orElse("left the rotation: "
                                        + limits.leftRotation(m).orElse("?")))
                        .append(')'));
        return new Selection.GiveUp(DeadLetterType.EXHAUSTED, why.toString());
    }

    private String authMessage(String provider) {
        String variable = registry.providers().stream()
                .filter(p -> p.name().equals(provider))
                .findFirst()
                .map(p -> p.apiKeyEnv())
                .orElse(null);
        return "provider '" + provider + "' refused the API key ("
                + limits.refusal(provider).orElse("refused") + ")" + (variable == null ? "" : ": check " + variable);
    }
}
