package dev.rotor.limits;

import dev.rotor.chat.headers.LimitSignal;
import dev.rotor.models.Budget;
import dev.rotor.models.RateLimits;
import dev.rotor.models.Unit;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Everything known about the limits of one scope (a model, a limit group, a provider's free pool, a provider): its
 * cooldown, its declared quotas, what it learned or was told of its limit in each unit (requests, and tokens), the
 * calls it sent, and its slow start. Answers "when may the next call leave?" and learns from each answer. Not
 * thread-safe: the limit state's lock guards it.
 */
final class ScopeLimits {

    /** Where a scope stands, for people and for the pace. */
    enum Phase {
        /** Nothing is known of its limit: calls go freely (learning off) or a probe at a time. */
        UNKNOWN,
        /**
         * After a 429, or while nothing is known: a probe first, then twice as many calls on each round of successes.
         */
        PROBING,
        /** A declared, announced or learned limit paces its calls. */
        PACED,
        /** A 429 (or a used-up window) holds it back until a moment it was told or guessed. */
        COOLING
    }

    /** Told whenever what the scope knows of a limit changes, with why. */
    @FunctionalInterface
    interface Changes {
        void changed(ScopeLimits scope, String why);
    }

    /** While a probe's answer is awaited, a waiting call looks again after this long. */
    static final long PROBE_RECHECK_MS = 25;
    /** Slow start ends when this many calls may be in flight (or the learned size, if smaller). */
    private static final int SLOW_START_END = 64;

    private static final long NEVER = LearnedLimit.NEVER;
    /**
     * A call sent this long before the one whose answer told what remains may have reached the provider after it, and
     * not be counted in what it said: it is taken as not counted yet.
     */
    private static final long ANCHOR_SKEW_MS = 50;
    /** Token limits are per minute where the provider does not say how fast they refill (OpenAI's, Anthropic's). */
    private static final Duration DEFAULT_TOKEN_WINDOW = Duration.ofMinutes(1);

    private final String key;
    private final List<RateLimits.Quota> declared;
    private final List<RateLimits.Quota> requestQuotas;
    private final LimitsConfig config;
    private final Changes changes;
    private final SendLog log = new SendLog();
    /** The limit in requests, learned from the calls that got in before 429s, or told by headers. */
    private final LearnedLimit learned;
    /** The declared token quotas, each paced as the bucket providers keep. */
    private final Map<RateLimits.Quota, TokenBucketPace> declaredBuckets = new LinkedHashMap<>();
    /** The token limits the provider told of (headers, 429 bodies), by unit, each paced as a bucket. */
    private final Map<Unit, TokenBucketPace> toldBuckets = new EnumMap<>(Unit.class);
    /** The spending caps declared on this scope. */
    private final List<BudgetPace> budgets = new ArrayList<>(1);

    private final FixedWindows fixed = new FixedWindows();
    private long cooldownUntilMs = NEVER;
    private int rateLimitsInARow;
    private long lastRateLimitedMs = NEVER;
    /** Slow start: at most this many calls in flight; 0 when the room is known. */
    private int slowStart;

    ScopeLimits(String key, RateLimits declared, LimitsConfig config, Changes changes) {
        this(key, declared, Budget.NONE, config, changes);
    }

    ScopeLimits(String key, RateLimits declared, Budget budget, LimitsConfig config, Changes changes) {
        this.key = key;
        budget.caps().forEach(cap -> budgets.add(new BudgetPace(key, cap)));
        this.declared = declared.quotas();
        this.requestQuotas = declared.of(Unit.REQUESTS);
        this.config = config;
        this.changes = changes;
        this.learned = new LearnedLimit(why -> changes.changed(this, why));
        for (RateLimits.Quota q : this.declared) {
            if (q.unit().isTokens()) {
                // full from the start, as a provider's bucket is
                declaredBuckets.put(q, new TokenBucketPace(q.amount(), q.per(), 0, LimitSource.DECLARED));
            }
        }
        // nothing known about the room: one probe first; a declared limit, of calls or tokens, says the room
        this.slowStart = config.learn() && !(config.useDeclared() && !this.declared.isEmpty()) ? 1 : 0;
    }

    String key() {
        return key;
    }

    Phase phase(long nowMs) {
        if (cooldownUntilMs > nowMs) {
            return Phase.COOLING;
        }
        if (slowStart > 0) {
            return Phase.PROBING;
        }
        boolean paced = (config.useDeclared() && !declared.isEmpty())
                || learnedPace(nowMs).isPresent()
                || !toldBuckets.isEmpty();
        return paced ? Phase.PACED : Phase.UNKNOWN;
    }

    /**
     * When this scope lets the next call go; {@code nowMs} or earlier if it may go now; {@link Long#MAX_VALUE} if the
     * call needs more than a limit holds.
     *
     * @param demand a call is waiting to go (not a look for a gauge): a learned pace that holds it back is saturated
     */
    long notBefore(long nowMs, boolean demand, Reservation reservation) {
        CallCost cost = reservation.cost();
        long at = cooldownUntilMs;
        if (slowStart > 0 && log.inFlight(nowMs) >= slowStart) {
            at = Math.max(at, nowMs + PROBE_RECHECK_MS);
        }
        if (config.useDeclared()) {
            for (RateLimits.Quota q : requestQuotas) {
                long window = q.per().toMillis();
                at = Math.max(
                        at,
                        log.nextFree(Unit.REQUESTS, q.amount(), window, nowMs, fixed.windowStart(window, nowMs), 1));
            }
        }
        for (Map.Entry<Unit, TokenBucketPace> b : tokenBuckets()) {
            // a look for a gauge takes no place in the queue
            at = Math.max(
                    at,
                    b.getValue()
                            .nextFree(
                                    cost.of(b.getKey()),
                                    demand ? reservation.task() : "",
                                    nowMs,
                                    log.unarrived(b.getKey(), nowMs)));
        }
        Optional<ScopePace.Quota> pace = learnedPace(nowMs);
        if (pace.isPresent()) {
            ScopePace.Quota q = pace.get();
            long free = log.nextFree(Unit.REQUESTS, q.amount(), q.window().toMillis(), nowMs, q.windowStartMs(), 1);
            if (free > nowMs && demand) {
                learned.heldBackForRoom();
            }
            at = Math.max(at, free);
        }
        return at;
    }

    /**
     * The limit this call can never fit in, whatever waits: it needs more than a declared quota, or a token limit the
     * provider told of, holds.
     */
    Optional<Admission.TooLarge> tooLarge(CallCost cost) {
        for (Map.Entry<Unit, TokenBucketPace> b : tokenBuckets()) {
            long need = cost.of(b.getKey());
            if (need > b.getValue().capacity()) {
                return Optional.of(
                        new Admission.TooLarge(key, b.getKey(), b.getValue().capacity(), need));
            }
        }
        return Optional.empty();
    }

    /**
     * The token buckets that pace this scope now: the declared ones (when Rotor paces tokens), else those the provider
     * told of.
     */
    private List<Map.Entry<Unit, TokenBucketPace>> tokenBuckets() {
        List<Map.Entry<Unit, TokenBucketPace>> buckets = new ArrayList<>(2);
        if (!config.paceTokens()) {
            return buckets;
        }
        if (config.useDeclared() && !declaredBuckets.isEmpty()) {
            declaredBuckets.forEach((q, b) -> buckets.add(Map.entry(q.unit(), b)));
        } else if (config.learn()) {
            buckets.addAll(toldBuckets.entrySet());
        }
        return buckets;
    }

    /** The budget of this scope that has no room for the call's worst case, and until when; empty if all have. */
    Optional<Admission.OverBudget> overBudget(Reservation reservation, long nowMs) {
        for (BudgetPace b : budgets) {
            long worst = reservation.budgetHold();
            if (!b.canEverHold(worst)) {
                return Optional.of(new Admission.OverBudget(key, b.windowEnd(nowMs), true));
            }
            long free = b.nextFree(worst, nowMs);
            if (free > nowMs) {
                return Optional.of(new Admission.OverBudget(key, Instant.ofEpochMilli(free), false));
            }
        }
        return Optional.empty();
    }

    List<BudgetPace> budgets() {
        return budgets;
    }

    void sent(long id, long nowMs, Reservation reservation) {
        budgets.forEach(b -> b.reserve(reservation.budgetHold(), nowMs));
        log.sent(id, nowMs, reservation.cost());
        learned.sent(nowMs);
        takeTokens(reservation.cost(), reservation.task(), nowMs);
        log.forget(nowMs, horizonMs(), largestLimit());
    }

    private void takeTokens(CallCost cost, String task, long nowMs) {
        declaredBuckets.forEach((q, b) -> b.take(cost.of(q.unit()), task, nowMs, log.unarrived(q.unit(), nowMs)));
        toldBuckets.forEach((unit, b) -> b.take(cost.of(unit), task, nowMs, log.unarrived(unit, nowMs)));
    }

    private void settleTokens(CallCost reserved, CallCost counted, long nowMs) {
        declaredBuckets.forEach(
                (q, b) -> b.settle(reserved.of(q.unit()), counted.of(q.unit()), nowMs, log.unarrived(q.unit(), nowMs)));
        toldBuckets.forEach(
                (unit, b) -> b.settle(reserved.of(unit), counted.of(unit), nowMs, log.unarrived(unit, nowMs)));
    }

    /** A call that held {@code worstCost} of this scope's budgets ended costing {@code cost}. */
    void spent(long worstCost, long cost, long atMs) {
        budgets.forEach(b -> b.settle(worstCost, cost, atMs));
    }

    /** The call succeeded; {@code counted}: what its provider counted of it. */
    void succeeded(long id, long sentMs, long atMs, CallCost counted) {
        Optional<CallCost> reserved = log.reservationOf(id);
        if (log.answered(id, atMs, true, counted)) {
            settleTokens(reserved.orElse(counted), counted, atMs);
            learnFromSuccess(sentMs, atMs);
        }
    }

    /**
     * A call another process on the same account sent, now answered ({@code success}, or some other way): counted and
     * learned from as our own.
     */
    void countAnotherProcessCall(long sentMs, long atMs, boolean success, CallCost cost) {
        log.countAnotherProcessCall(sentMs, atMs, success, cost);
        takeTokens(cost, "", atMs);
        if (!success) {
            learnWhenAnswered(atMs);
            return;
        }
        learned.sent(sentMs);
        learnFromSuccess(sentMs, atMs);
    }

    private void learnFromSuccess(long sentMs, long atMs) {
        rateLimitsInARow = 0;
        long countedMs = Math.min(atMs, sentMs + SendLog.SEND_SKEW_MS);
        learned.succeeded(sentMs, countedMs, 1);
        if (slowStart > 0 && ++slowStart >= slowStartEnd()) {
            slowStart = 0;
        }
        if (!config.learn()) {
            return;
        }
        learnWhenAnswered(atMs);
        learned.growIfDue(atMs);
        probeGotIn(sentMs, atMs);
    }

    /**
     * Paced by runs, more calls than the learned size got in since the window began: the probe did. Only the first
     * window after a cooldown counts, as only it begins near the provider's reset; later ones drift from its windows.
     */
    private void probeGotIn(long sentMs, long atMs) {
        Optional<ScopePace.Quota> pace = learnedPace(atMs);
        if (pace.isEmpty() || pace.get().windowStartMs() != cooldownUntilMs) {
            return;
        }
        long start = cooldownUntilMs;
        if (log.succeededSince(start) > learned.size()) {
            learned.probeGotIn(sentMs - start);
        }
    }

    /** A call that ended without a success or a 429: the provider may still have counted it, as it reserved. */
    void failed(long id, long atMs) {
        Optional<CallCost> reserved = log.reservationOf(id);
        if (log.answered(id, atMs, false)) {
            reserved.ifPresent(r -> settleTokens(r, r, atMs));
            if (config.learn()) {
                learnWhenAnswered(atMs);
            }
        }
    }

    /** A call the provider refused on some scope: it used up nothing here either. */
    void refused(long id, long atMs) {
        Optional<CallCost> reserved = log.reservationOf(id);
        if (log.refused(id)) {
            reserved.ifPresent(r -> settleTokens(r, CallCost.ONE_CALL, atMs));
            if (config.learn()) {
                learnWhenAnswered(atMs);
            }
        }
    }

    private void learnWhenAnswered(long nowMs) {
        long before = learned.awaitingAnswersSentBefore();
        if (before != NEVER) {
            learned.learnWhenAnswered(log.inFlightSentBefore(before), countsOf(Unit.REQUESTS));
        }
    }

    private SendCounts countsOf(Unit unit) {
        return (from, to) -> log.successes(unit, from, to);
    }

    /**
     * This scope answered 429 (on {@code unit}, the limit the 429 named): cool it until {@code untilMs} and learn from
     * the run before it.
     */
    void rateLimited(LimitReached reached, long untilMs, Unit unit) {
        coolDown(untilMs);
        fixed.forget();
        if (!config.learn()) {
            return;
        }
        if (unit == Unit.REQUESTS) {
            // a token limit's 429 says nothing of the request limit; its bucket took what the 429's body told
            learned.reached(reached, countsOf(unit));
        }
        learnWhenAnswered(reached.atMs());
        // the provider just said the pace was wrong: the room after the cooldown is not known, whatever was learned
        slowStart = 1;
    }

    /**
     * The 429s in a row on this scope, counting this one, for a cooldown guessed by backoff. Calls that were on their
     * way when the last 429 came back are the same burst, not one more in a row.
     */
    int rateLimitsInARow(long sentMs, long atMs) {
        if (sentMs >= lastRateLimitedMs) {
            rateLimitsInARow++;
        }
        lastRateLimitedMs = Math.max(lastRateLimitedMs, atMs);
        return Math.max(1, rateLimitsInARow);
    }

    void coolDown(long untilMs) {
        cooldownUntilMs = Math.max(cooldownUntilMs, untilMs);
    }

    /**
     * What a response's headers said of this scope's request limit: its size and window, and what remains (a remaining
     * count lower than the calls Rotor counted means others use the account: their calls are counted too). A success
     * that used up the window cools the scope until the reset and teaches as a 429 would.
     */
    void applyHeaderSignal(LimitSignal signal, long sentMs, long atMs, boolean onSuccess) {
        announced(signal);
        if (!config.learn()) {
            signal.resetAt().filter(t -> signal.exhausted()).ifPresent(t -> coolDown(t.toEpochMilli()));
            return;
        }
        learned.announced(signal);
        if (learned.trusted() && learned.confirmed()) {
            // the header told the room: no probing needed
            slowStart = 0;
        }
        if (learned.trusted() && signal.remaining().isPresent()) {
            int size = (int) Math.min(Integer.MAX_VALUE, learned.size());
            int used = size - (int) Math.min(size, signal.remaining().getAsLong());
            int counted = log.count(learned.windowMs(), atMs);
            if (used > counted) {
                log.others(used - counted, atMs);
            }
        }
        if (onSuccess && signal.exhausted() && signal.resetAt().isPresent()) {
            long until = signal.resetAt().get().toEpochMilli();
            coolDown(until);
            learned.reached(
                    new LimitReached(sentMs, atMs, until, signal.resetPrecisionMs(), false, false, true),
                    countsOf(Unit.REQUESTS));
            // the window that is used up holds the last `size` calls: it began no later than the first of them
            learned.usedUpWindowHeldFrom(log.nthLatestCounted((int) Math.min(Integer.MAX_VALUE, learned.size()), atMs));
            learnWhenAnswered(atMs);
        }
    }

    /**
     * What a response (its headers, or a 429's body) said of a token limit of this scope: its size and the rate it
     * refills at, and what remains as the provider reckoned when the call sent at {@code sentMs} reached it: the level
     * of the bucket that paces it is set to that, less what Rotor's calls since have reserved.
     */
    void heardTokens(LimitSignal signal, long callId, long sentMs, long atMs) {
        if (!config.learn() || !config.paceTokens() || !signal.unit().isTokens()) {
            return;
        }
        TokenBucketPace told = toldBuckets.get(signal.unit());
        if (told == null && signal.limit().isPresent() && signal.limit().getAsLong() > 0) {
            told = new TokenBucketPace(
                    signal.limit().getAsLong(), signal.window().orElse(DEFAULT_TOKEN_WINDOW), atMs, LimitSource.HEADER);
            toldBuckets.put(signal.unit(), told);
            changes.changed(
                    this,
                    signal.unit().label() + " limit " + told.capacity() + " per " + Windows.text(told.window()) + " ("
                            + signal.family() + ")");
        }
        if (told == null) {
            return;
        }
        told.told(signal.limit().orElse(0), signal.window().orElse(null));
        if (signal.remaining().isPresent()) {
            // a declared bucket keeps its own exact count: a remaining count is a snapshot taken at a moment known only
            // to a few milliseconds, and taking each one that reads lower would ratchet the level down
            told.anchor(
                    signal.remaining().getAsLong(),
                    sentMs,
                    log.reservedSentSince(signal.unit(), sentMs - ANCHOR_SKEW_MS, callId),
                    atMs,
                    log.unarrived(signal.unit(), atMs));
        }
    }

    /** The token limits this scope paces by, for people: each unit's size, window and where it came from. */
    List<TokenLimitView> tokenLimits(long nowMs) {
        List<TokenLimitView> views = new ArrayList<>();
        for (Map.Entry<Unit, TokenBucketPace> b : tokenBuckets()) {
            views.add(new TokenLimitView(
                    key,
                    b.getKey(),
                    b.getValue().capacity(),
                    b.getValue().window(),
                    b.getValue().source(),
                    b.getValue().level(nowMs),
                    log.reserved(b.getKey())));
        }
        return views;
    }

    /** A reset the provider announced for this scope, or for one that counts the same calls in the same windows. */
    void announced(LimitSignal signal) {
        signal.resetAt().ifPresent(r -> fixed.announced(r.toEpochMilli(), signal.resetPrecisionMs()));
    }

    /** A scope that counts the same calls met a 429: the fixed windows read for both were not where they seemed. */
    void forgetFixedWindows() {
        fixed.forget();
    }

    /** Takes the limit another process on the same account learned or heard for this scope. */
    void adoptFromAnotherProcess(LimitView limit, boolean confirmed, long nowMs) {
        learned.adoptFromAnotherProcess(limit.requests(), limit.window().toMillis(), limit.source(), confirmed, nowMs);
    }

    /** The learned or announced request limit, when it is known well enough to pace by. */
    Optional<LimitView> learnedToPaceBy() {
        return config.learn() && learned.trusted() ? learned.view(key) : Optional.empty();
    }

    boolean learnedIsConfirmed() {
        return learned.confirmed();
    }

    /** The windows this scope paces calls by at {@code nowMs}, in requests (its token buckets are apart). */
    /** How this scope paces now, for a limit state that admits calls elsewhere (Redis). */
    ScopePace pace(long nowMs) {
        List<ScopePace.Bucket> buckets = new ArrayList<>(2);
        if (config.paceTokens()) {
            if (config.useDeclared() && !declaredBuckets.isEmpty()) {
                declaredBuckets.forEach((q, b) -> buckets.add(new ScopePace.Bucket(
                        q.unit().label() + "/" + q.per().toMillis(), q.unit(), b.capacity(), b.window())));
            } else if (config.learn()) {
                toldBuckets.forEach(
                        (unit, b) -> buckets.add(new ScopePace.Bucket(unit.label(), unit, b.capacity(), b.window())));
            }
        }
        return new ScopePace(key, paces(nowMs), buckets);
    }

    /** The level of the bucket the provider told of for the unit, if it told of one. */
    OptionalLong toldLevel(Unit unit, long nowMs) {
        TokenBucketPace b = toldBuckets.get(unit);
        return b == null ? OptionalLong.empty() : OptionalLong.of(b.level(nowMs));
    }

    List<ScopePace.Quota> paces(long nowMs) {
        List<ScopePace.Quota> paces = new ArrayList<>(requestQuotas.size() + 1);
        if (config.useDeclared()) {
            for (RateLimits.Quota q : requestQuotas) {
                paces.add(new ScopePace.Quota(
                        Unit.REQUESTS,
                        q.amount(),
                        q.per(),
                        fixed.windowStart(q.per().toMillis(), nowMs)));
            }
        }
        learnedPace(nowMs).ifPresent(paces::add);
        return paces;
    }

    Optional<Long> cooldownUntil(long nowMs) {
        return cooldownUntilMs > nowMs ? Optional.of(cooldownUntilMs) : Optional.empty();
    }

    /** The request limit that paces this scope: the slowest declared one, else the learned or announced one. */
    Optional<LimitView> limit() {
        Optional<LimitView> slowest = config.learn() && !paced() ? learned.view(key) : Optional.empty();
        if (config.useDeclared()) {
            for (RateLimits.Quota q : declared) {
                if (q.unit() != Unit.REQUESTS) {
                    continue;
                }
                LimitView v = new LimitView(
                        key, (int) Math.min(Integer.MAX_VALUE, q.amount()), q.per(), LimitSource.DECLARED);
                if (slowest.isEmpty() || rate(v) < rate(slowest.get())) {
                    slowest = Optional.of(v);
                }
            }
        }
        return slowest;
    }

    static double rate(LimitView v) {
        return v.requests() / (double) Math.max(1, v.window().toMillis());
    }

    private boolean paced() {
        return config.useDeclared() && declared.stream().anyMatch(q -> q.unit() == Unit.REQUESTS);
    }

    /**
     * The learned or announced limit this scope paces by at {@code nowMs}: in any span of its window when it is known
     * well enough, else in windows counted from the end of the scope's last cooldown. A scope with a declared limit
     * paces by what the user declared, not also by an estimate of the same limit: a window estimated a little long
     * would hold every call back a little. Its 429s and used-up windows still cool it.
     */
    private Optional<ScopePace.Quota> learnedPace(long nowMs) {
        if (!config.learn() || paced() || !learned.known()) {
            return Optional.empty();
        }
        long window = learned.windowMs();
        if (learned.pace() == LearnedLimit.Pace.CALL_BY_CALL) {
            return Optional.of(new ScopePace.Quota(
                    Unit.REQUESTS, learned.size(), Duration.ofMillis(window), FixedWindows.UNKNOWN));
        }
        if (cooldownUntilMs == NEVER || nowMs < cooldownUntilMs) {
            return Optional.empty();
        }
        // the window is known only to the second: not where each window begins, but that each run the provider lets
        // through after a cooldown holds `size` calls. Counting from the cooldown's end, one call past that size goes
        // (a probe: its 429 tells when the provider frees, its success that the size grew) and the rest wait for the
        // next window, instead of all meeting the limit at once
        long start = cooldownUntilMs + Math.floorDiv(nowMs - cooldownUntilMs, window) * window;
        return Optional.of(new ScopePace.Quota(Unit.REQUESTS, learned.size() + 1, Duration.ofMillis(window), start));
    }

    private int slowStartEnd() {
        return learned.known() ? (int) Math.min(SLOW_START_END, Math.max(2, learned.size())) : SLOW_START_END;
    }

    private long horizonMs() {
        long longest = learned.known() ? learned.windowMs() : 0;
        for (RateLimits.Quota q : requestQuotas) {
            longest = Math.max(longest, q.per().toMillis());
        }
        return longest == 0 ? SendLog.NO_HORIZON : longest;
    }

    /** The most calls a limit of this scope counts in a window: the send log keeps at least twice as many. */
    private int largestLimit() {
        long largest = learned.size();
        for (RateLimits.Quota q : declared) {
            if (q.unit() == Unit.REQUESTS) {
                largest = Math.max(largest, q.amount());
            }
        }
        return (int) Math.min(Integer.MAX_VALUE / 2, largest);
    }

    @Override
    public String toString() {
        return limit().map(LimitView::toString).orElse(key);
    }
}
