package dev.rotor.limits;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import dev.rotor.chat.headers.LimitSignal;
import dev.rotor.models.RateLimits;

/**
 * Everything known about the limits of one scope (a model, a limit group, a provider's free pool): its cooldown,
 * its declared quotas, its learned or announced limit, the calls it sent, and its slow start. Answers "when may the
 * next call leave?" and learns from each answer. Not thread-safe: the limit state's lock guards it.
 */
final class ScopeLimits {

    /** While a probe's answer is awaited, a waiting call looks again after this long. */
    static final long PROBE_RECHECK_MS = 25;
    /** Slow start ends when this many calls may be in flight (or the learned size, if smaller). */
    private static final int SLOW_START_END = 64;

    private final String key;
    private final List<RateLimits.Quota> declared;
    private final LimitsConfig config;
    private final SendLog log = new SendLog();
    private final LearnedLimit learned = new LearnedLimit();
    private final FixedWindows fixed = new FixedWindows();
    private long cooldownUntilMs = Long.MIN_VALUE;
    private int rateLimitsInARow;
    private long lastRateLimitedMs = Long.MIN_VALUE;
    /** Slow start: at most this many calls in flight; 0 when the room is known. */
    private int slowStart;

    ScopeLimits(String key, RateLimits declared, LimitsConfig config) {
        this.key = key;
        this.declared = declared.quotas();
        this.config = config;
        // nothing known about the room: one probe first
        this.slowStart = config.learn() && !paced() ? 1 : 0;
    }

    String key() {
        return key;
    }

    /**
     * When this scope lets the next call go; {@code nowMs} or earlier if it may go now.
     *
     * @param demand a call is waiting to go (not a look for a gauge): a learned pace that holds it back is saturated
     */
    long notBefore(long nowMs, boolean demand) {
        long at = cooldownUntilMs;
        if (slowStart > 0 && log.inFlight(nowMs) >= slowStart) {
            at = Math.max(at, nowMs + PROBE_RECHECK_MS);
        }
        if (config.useDeclared()) {
            for (RateLimits.Quota q : declared) {
                long window = q.per().toMillis();
                at = Math.max(at, log.nextFree(q.requests(), window, nowMs, fixed.windowStart(window, nowMs)));
            }
        }
        Optional<ScopePace.Quota> pace = learnedPace(nowMs);
        if (pace.isPresent()) {
            ScopePace.Quota q = pace.get();
            long free = log.nextFree(q.requests(), q.window().toMillis(), nowMs, q.windowStartMs());
            if (free > nowMs && demand) {
                learned.refusedForRoom();
            }
            at = Math.max(at, free);
        }
        return at;
    }

    void sent(long id, long nowMs) {
        log.sent(id, nowMs);
        learned.sent(nowMs);
        log.forget(nowMs, horizonMs(), largestLimit());
    }

    /** True if the estimate changed (for the log). */
    boolean succeeded(long id, long sentMs, long atMs) {
        return log.answered(id, atMs, true) && learnFromSuccess(sentMs, atMs);
    }

    /**
     * A call another process on the same account sent, now answered ({@code success}, or some other way): counted and
     * learned from as our own. True if the estimate changed.
     */
    boolean foreign(long sentMs, long atMs, boolean success) {
        log.foreign(sentMs, atMs, success);
        if (!success) {
            return config.learn() && learnIfAnswered(atMs);
        }
        learned.sent(sentMs);
        return learnFromSuccess(sentMs, atMs);
    }

    private boolean learnFromSuccess(long sentMs, long atMs) {
        rateLimitsInARow = 0;
        learned.succeeded(sentMs, Math.min(atMs, sentMs + SendLog.SEND_SKEW_MS));
        if (slowStart > 0 && ++slowStart >= slowStartEnd()) {
            slowStart = 0;
        }
        return config.learn() && (learnIfAnswered(atMs) | learned.maybeGrow(atMs) | probeGotIn(sentMs, atMs));
    }

    /**
     * Paced by runs, more calls than the learned size got in since the window began: the probe did. Only the first
     * window after a cooldown counts, as only it begins near the provider's reset; later ones drift from its windows.
     */
    private boolean probeGotIn(long sentMs, long atMs) {
        Optional<ScopePace.Quota> pace = learnedPace(atMs);
        if (pace.isEmpty() || pace.get().windowStartMs() != cooldownUntilMs) {
            return false;
        }
        long start = cooldownUntilMs;
        return log.succeededSince(start) > learned.size() && learned.probeGotIn(sentMs - start);
    }

    /** A call that ended without a success or a 429: the provider may still have counted it. True if the estimate changed. */
    boolean failed(long id, long atMs) {
        return log.answered(id, atMs, false) && config.learn() && learnIfAnswered(atMs);
    }

    /** A call the provider refused on some scope: it used up nothing here either. True if the estimate changed. */
    boolean refused(long id, long atMs) {
        return log.refused(id) && config.learn() && learnIfAnswered(atMs);
    }

    private boolean learnIfAnswered(long nowMs) {
        long before = learned.awaitingBefore();
        if (before == Long.MIN_VALUE) {
            return false;
        }
        return learned.learnIfAnswered(log.inFlightSentBefore(before), window -> log.count(window, nowMs, before),
                log::successes);
    }

    /**
     * This scope answered 429: cool it until {@code untilMs} (known to {@code untilPrecisionMs}) and learn from the
     * run of successes before it, taking the scope to free at {@code learnUntilMs} (counted from when the call left
     * if {@code fromSend}). True if the estimate changed.
     */
    boolean rateLimited(long sentMs, long atMs, long untilMs, long learnUntilMs, long untilPrecisionMs,
                        boolean fromSend) {
        coolDown(untilMs);
        fixed.forget();
        if (!config.learn()) {
            return false;
        }
        boolean changed = learned.full(sentMs, atMs, learnUntilMs, true, fromSend, untilPrecisionMs,
                window -> log.count(window, atMs, sentMs), log::successes);
        changed |= learnIfAnswered(atMs);
        // the provider just said the pace was wrong: the room after the cooldown is not known, whatever was learned
        slowStart = 1;
        return changed;
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
     * What a response's headers said of this scope's limit: its size and window, and what remains (a remaining
     * count lower than the calls Rotor counted means others use the account: their calls are counted too). A success
     * that used up the window cools the scope until the reset and teaches as a 429 would. True if the estimate
     * changed.
     */
    boolean heard(LimitSignal signal, long sentMs, long atMs, boolean onSuccess) {
        announced(signal);
        if (!config.learn()) {
            signal.resetAt().filter(t -> signal.exhausted()).ifPresent(t -> coolDown(t.toEpochMilli()));
            return false;
        }
        boolean changed = learned.heard(signal);
        if (learned.trusted() && learned.confirmed()) {
            // the header told the room: no probing needed
            slowStart = 0;
        }
        if (learned.trusted() && signal.remaining().isPresent()) {
            int used = learned.size() - (int) Math.min(learned.size(), signal.remaining().getAsLong());
            int counted = log.count(learned.windowMs(), atMs);
            if (used > counted) {
                log.others(used - counted, atMs);
            }
        }
        if (onSuccess && signal.exhausted() && signal.resetAt().isPresent()) {
            long until = signal.resetAt().get().toEpochMilli();
            coolDown(until);
            changed |= learned.full(sentMs, atMs, until, false, false, signal.resetPrecisionMs(),
                    window -> log.count(window, atMs, sentMs), log::successes);
            // the window that is used up holds the last `size` calls: it began no later than the first of them
            learned.windowHeldFrom(log.nthLatestCounted(learned.size(), atMs));
            changed |= learnIfAnswered(atMs);
        }
        return changed;
    }

    /** A reset the provider announced for this scope, or for one that counts the same calls in the same windows. */
    void announced(LimitSignal signal) {
        signal.resetAt().ifPresent(r -> fixed.announced(r.toEpochMilli(), signal.resetPrecisionMs()));
    }

    /** A scope that counts the same calls met a 429: the fixed windows read for both were not where they seemed. */
    void windowsMisread() {
        fixed.forget();
    }

    /** Takes the limit another process on the same account learned or heard for this scope. */
    void adopt(LimitView limit, boolean confirmed, long nowMs) {
        learned.adopt(limit.requests(), limit.window().toMillis(), limit.source(), confirmed, nowMs);
    }

    /** The learned or announced limit, when it is known well enough to pace by. */
    Optional<LimitView> learnedToPaceBy() {
        return config.learn() && learned.trusted() ? learned.view(key) : Optional.empty();
    }

    boolean learnedIsConfirmed() {
        return learned.confirmed();
    }

    /** The windows this scope paces calls by at {@code nowMs}. */
    List<ScopePace.Quota> paces(long nowMs) {
        List<ScopePace.Quota> paces = new ArrayList<>(declared.size() + 1);
        if (config.useDeclared()) {
            for (RateLimits.Quota q : declared) {
                paces.add(new ScopePace.Quota(q.requests(), q.per(), fixed.windowStart(q.per().toMillis(), nowMs)));
            }
        }
        learnedPace(nowMs).ifPresent(paces::add);
        return paces;
    }

    Optional<Long> cooldownUntil(long nowMs) {
        return cooldownUntilMs > nowMs ? Optional.of(cooldownUntilMs) : Optional.empty();
    }

    /** The limit that paces this scope: the slowest declared one, else the learned or announced one. */
    Optional<LimitView> limit() {
        Optional<LimitView> slowest = config.learn() && !paced() ? learned.view(key) : Optional.empty();
        if (config.useDeclared()) {
            for (RateLimits.Quota q : declared) {
                LimitView v = new LimitView(key, q.requests(), q.per(), LimitSource.DECLARED);
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
        return config.useDeclared() && !declared.isEmpty();
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
        if (learned.trusted()) {
            return Optional.of(new ScopePace.Quota(learned.size(), Duration.ofMillis(window), FixedWindows.UNKNOWN));
        }
        if (cooldownUntilMs == Long.MIN_VALUE || nowMs < cooldownUntilMs) {
            return Optional.empty();
        }
        // the window is known only to the second: not where each window begins, but that each run the provider lets
        // through after a cooldown holds `size` calls. Counting from the cooldown's end, one call past that size goes
        // (a probe: its 429 tells when the provider frees, its success that the size grew) and the rest wait for the
        // next window, instead of all meeting the limit at once
        long start = cooldownUntilMs + Math.floorDiv(nowMs - cooldownUntilMs, window) * window;
        return Optional.of(new ScopePace.Quota(learned.size() + 1, Duration.ofMillis(window), start));
    }

    private int slowStartEnd() {
        return learned.known() ? Math.min(SLOW_START_END, Math.max(2, learned.size())) : SLOW_START_END;
    }

    private long horizonMs() {
        long longest = learned.known() ? learned.windowMs() : 0;
        for (RateLimits.Quota q : declared) {
            longest = Math.max(longest, q.per().toMillis());
        }
        return longest == 0 ? SendLog.NO_HORIZON : longest;
    }

    private int largestLimit() {
        int largest = learned.size();
        for (RateLimits.Quota q : declared) {
            largest = Math.max(largest, q.requests());
        }
        return largest;
    }

    @Override
    public String toString() {
        return limit().map(LimitView::toString).orElse(key);
    }
}
