package dev.rotor.limits;

import dev.rotor.chat.LimitScope;
import dev.rotor.chat.TokenUsage;
import dev.rotor.chat.headers.LimitReport;
import dev.rotor.models.ModelSpec;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Everything Rotor knows about limits: cooldowns, declared and learned quota windows and the calls counted in them,
 * learned limit sizes, models that left the rotation and providers that refused the key. The rotation policy asks it
 * "may I send on this model now?" and tells it what each answer said; it decides nothing else.
 *
 * <p>Every call it admits must be settled once: {@link #succeeded}, {@link #rateLimited} or {@link #failed}.
 */
public interface LimitState {

    /**
     * Whether a call on the model may leave now, every limit of every scope it counts against considered in every unit
     * (cooldowns, declared and learned windows of requests and tokens, slow start after a cooldown); if so, what it
     * reserves is counted, in one step.
     */
    Admission tryAcquire(ModelSpec model, Reservation reservation, Instant now);

    /** A call of unknown size: it reserves one request. */
    default Admission tryAcquire(ModelSpec model, Instant now) {
        return tryAcquire(model, Reservation.ONE_CALL, now);
    }

    /** Counts a call that goes whatever the limits say (a strategy that knows nothing of limits). */
    Permit sendRegardless(ModelSpec model, Reservation reservation, Instant now);

    default Permit sendRegardless(ModelSpec model, Instant now) {
        return sendRegardless(model, Reservation.ONE_CALL, now);
    }

    /** When the model could next take a call; empty if it could now. Counts nothing. */
    Optional<Instant> blockedUntil(ModelSpec model, Instant now);

    /**
     * The call succeeded; the headers of its answer say what they say about the limits, and its usage settles what it
     * reserved to what its provider counted.
     */
    void succeeded(Permit permit, Instant at, LimitReport report, TokenUsage usage);

    default void succeeded(Permit permit, Instant at, LimitReport report) {
        succeeded(permit, at, report, TokenUsage.NONE);
    }

    /**
     * The call met a 429 on the given scope: that scope cools down until {@code retryAt} (or, when the 429 said
     * nothing, for a backoff by the 429s in a row), and what it teaches is learned.
     *
     * @return when the scope may be used again
     */
    Instant rateLimited(Permit permit, Instant at, LimitScope scope, Optional<Instant> retryAt, LimitReport report);

    /**
     * The provider refused the call as larger than its limit can ever hold ("Request too large"): it counted nothing,
     * no wait helps, and what it said of the limit is learned.
     */
    void refusedAsTooLarge(Permit permit, Instant at, LimitReport report);

    /**
     * The call ended some other way (a failure, a timeout, no answer): the provider may still have counted it, so it
     * keeps what it reserved.
     */
    void failed(Permit permit, Instant at);

    /** Holds the model back until then (a 402's payment cooldown). */
    void coolDown(ModelSpec model, LimitScope scope, Instant until);

    /** The latest cooldown of the model's scopes still running. */
    Optional<Instant> cooldownUntil(ModelSpec model, Instant now);

    /** The model answered 404: it is out of the rotation, for every task. */
    void leaveRotation(ModelSpec model, String reason);

    Optional<String> leftRotation(ModelSpec model);

    /** The provider refused the key: its models are skipped by every task. */
    void refuse(String provider, String why);

    Optional<String> refusal(String provider);

    /** The limit that paces the model now: the slowest of its scopes', with its source; empty if none is known. */
    Optional<LimitView> limitOf(ModelSpec model);

    /** The token limits the model's scopes pace by, the tightest first. */
    default List<TokenLimitView> tokenLimitsOf(ModelSpec model, Instant now) {
        return List.of();
    }

    /** Every budget there is, as it stands now. */
    default List<BudgetView> budgets(Instant now) {
        return List.of();
    }

    /** True while a shared state is out of reach and this process paces on its own view. */
    default boolean degraded() {
        return false;
    }
}
