package dev.rotor.limits;

import java.time.Duration;
import java.util.Optional;
import java.util.function.LongToIntFunction;

import dev.rotor.chat.headers.LimitSignal;

/**
 * What Rotor believes about one scope's limit when models.yaml does not declare it: {@code size} calls in any span
 * of {@code window}, from the headers or learned from the calls that succeeded before a 429.
 *
 * <p>How it learns, on every shape a provider uses (fixed window, sliding window, token bucket). A <em>run</em> is
 * the calls from the first one after the scope became free to the first 429; the calls that got in before that 429
 * are counted once all of them have their answer, so answers that come back out of order do not skew the count.
 * <ul>
 * <li>The first run: the size is its successes, the window the span from its first success to the moment the 429
 * said to come back (a span the 429 gave is counted from when the refused call left, as the success is, so that the
 * delays on the way to the provider cancel). Exact for a sliding window; for a fixed window entered mid-way or a
 * token bucket only a guess, so the estimate stays <em>unconfirmed</em> and the calls after each cooldown start
 * with a probe (slow start).</li>
 * <li>Back-to-back runs that each began as soon as the provider let them and met their 429 within about a window (demand waiting throughout) measure the rate the provider allows: their successes over
 * the spans from one reset to the next. Once those cover a window and enough calls, the window becomes size / rate
 * and the estimate is confirmed: whole windows for a fixed window, the refill rate for a bucket.</li>
 * <li>After a span at the pace with no 429, it grows by one call per window (the window shortens, the burst stays):
 * a limit that was raised, or a window learned too long, is found again.</li>
 * <li>A 429 inside the learned pace undoes the last growth since the last 429 (and the next is tried twice as late);
 * with none to undo, it shrinks the rate multiplicatively (the window lengthens), once a window at most, and the
 * burst towards what got in since the last reset when the 429 says the scope is used up until a reset.</li>
 * <li>A header's size always wins over a learned one; a header's window is confirmed at once.</li>
 * </ul>
 * Not thread-safe: the limit state's lock guards it.
 */
final class LearnedLimit {

    /** A 429 inside the pace of a size the provider announced keeps this share of the rate. */
    static final double SHRINK = 0.75;
    /** A 429 inside the learned pace keeps this share of the rate. */
    static final double RATE_SHRINK = 0.95;
    /** Successes to measure a rate from before the window is trusted. */
    static final int MIN_SAMPLES = 16;
    /** Windows at the learned pace with no 429 before it grows by a call; doubles after a growth that failed. */
    static final int GROWTH_WINDOWS = 2;
    static final int MAX_GROWTH_WINDOWS = 64;
    /** A run that began this soon after the scope freed had demand waiting: it measures the provider's rate. */
    private static final long PROMPT_START_MS = 150;

    /** A 429 whose lesson waits for the calls sent before it came back to have their answers. */
    private static final class Observation {
        final long refusedSentMs;
        final long atMs;
        final long untilMs;
        final long runStartMs;
        final boolean prompt;
        /** A 429, not a success that used up the window (which is the pace working, not failing). */
        final boolean refused;
        /** The run went at a grown pace: its 429 is the growth's, not the provider's rate. */
        final boolean grown;
        /** How precise {@code untilMs} is: 1 ms, 1000 ms for whole seconds, the whole guess for a backoff. */
        final long precisionMs;
        int successes;
        /** The earliest moment one of the run's successes can have been counted by the provider, and was sent. */
        long firstCountedMs;
        long firstSentMs;
        /** {@code untilMs} counts from when the refused call left, not from when its answer was read. */
        final boolean fromSend;

        Observation(long refusedSentMs, long atMs, long untilMs, long runStartMs, boolean prompt, boolean refused,
                    boolean fromSend, long precisionMs, int successes, long firstCountedMs, long firstSentMs,
                    boolean grown) {
            this.refusedSentMs = refusedSentMs;
            this.atMs = atMs;
            this.untilMs = untilMs;
            this.runStartMs = runStartMs;
            this.prompt = prompt;
            this.refused = refused;
            this.precisionMs = precisionMs;
            this.successes = successes;
            this.firstCountedMs = firstCountedMs;
            this.firstSentMs = firstSentMs;
            this.fromSend = fromSend;
            this.grown = grown;
        }
    }

    /** Resets known only to the second cannot time a window of a few seconds: such a window is not paced by. */
    private static final int PRECISION_PER_WINDOW = 10;

    private int size;
    private long windowMs;
    /** The coarsest reset the window was learned from. */
    private long precisionMs = 1;
    private LimitSource source = LimitSource.LEARNED;
    private boolean confirmed;

    private long runStartMs = -1;
    private long runFirstCountedMs = Long.MAX_VALUE;
    private long runFirstSentMs = Long.MAX_VALUE;
    private int runSuccesses;
    /** When the scope last became free after a learned 429. */
    private long freeAtMs = -1;
    private Observation pending;
    /** A 429 of a call sent before this was on its way when the last one taught us: it teaches nothing new. */
    private long learnedAtMs = Long.MIN_VALUE;
    /** The rate measurement: the successes and spans of the runs that measured it, and how precisely. */
    private int sampled;
    private long sampledMs;
    private long measuredPrecisionMs = 1;

    private long changedAtMs;
    private long shrunkAtMs = -1;
    private long growthSpanMs;
    private boolean saturated;
    private boolean probing;
    /** The window as of the last 429 or the measurement: growths since shorten it, a 429 undoes the last. */
    private long stableWindowMs;
    private long windowBeforeGrowthMs;

    boolean known() {
        return size > 0 && windowMs > 0;
    }

    boolean confirmed() {
        return confirmed;
    }

    /**
     * Known well enough to pace by: the resets the window was learned from were precise to a tenth of it. A window
     * learned from whole-second Retry-After values is trusted at a minute, not at two seconds.
     */
    boolean trusted() {
        return known() && precisionMs * PRECISION_PER_WINDOW <= windowMs;
    }

    int size() {
        return size;
    }

    long windowMs() {
        return windowMs;
    }

    Optional<LimitView> view(String scope) {
        return known() ? Optional.of(new LimitView(scope, size, Duration.ofMillis(windowMs), source)) : Optional.empty();
    }

    /**
     * The send time before which a call's answer is still awaited by a pending lesson (the 429 came back then: calls
     * sent until then met the limit about when the refused one did); MIN_VALUE if none.
     */
    long awaitingBefore() {
        return pending == null ? Long.MIN_VALUE : pending.atMs;
    }

    void sent(long nowMs) {
        if (runStartMs < 0) {
            runStartMs = nowMs;
            runSuccesses = 0;
            runFirstCountedMs = Long.MAX_VALUE;
            runFirstSentMs = Long.MAX_VALUE;
        }
    }

    /** @param countedMs the latest moment the provider can have counted the call (its answer, or soon after it left) */
    void succeeded(long sentMs, long countedMs) {
        if (pending != null && sentMs >= pending.runStartMs && sentMs < pending.atMs) {
            pending.successes++;
            pending.firstCountedMs = Math.min(pending.firstCountedMs, countedMs);
            pending.firstSentMs = Math.min(pending.firstSentMs, sentMs);
        } else if (runStartMs >= 0 && sentMs >= runStartMs) {
            runSuccesses++;
            runFirstCountedMs = Math.min(runFirstCountedMs, countedMs);
            runFirstSentMs = Math.min(runFirstSentMs, sentMs);
        }
    }

    /** A call waited because the learned pace had no room: the pace, not the demand, set the rate. */
    void refusedForRoom() {
        saturated = true;
    }



    /** Takes a header's figures: its size always, its window when it gives one. True if the estimate changed. */
    boolean heard(LimitSignal signal) {
        boolean changed = false;
        if (signal.limit().isPresent() && signal.limit().getAsLong() > 0) {
            int limit = (int) Math.min(Integer.MAX_VALUE, signal.limit().getAsLong());
            changed = limit != size || source != LimitSource.HEADER;
            size = limit;
            source = LimitSource.HEADER;
            probing = false;
        }
        if (signal.window().isPresent() && !signal.window().get().isZero()) {
            long w = signal.window().get().toMillis();
            changed |= w != windowMs || !confirmed;
            windowMs = w;
            confirmed = true;
        }
        return changed;
    }

    /**
     * The scope is full until {@code untilMs}: a 429 ({@code refused}), or a success that used up the window. Starts
     * a lesson that is learned once the calls sent before it came back have their answers ({@link #learnIfAnswered}).
     *
     * @return true if an earlier lesson was learned now and changed the estimate
     */
    boolean full(long sentMs, long atMs, long untilMs, boolean refused, boolean fromSend, long untilPrecisionMs,
                 LongToIntFunction countWithin, SuccessCount successes) {
        if (sentMs < learnedAtMs) {
            return false;
        }
        // a lesson still waiting for answers when the next one comes is learned with what has come
        boolean changed = pending != null && learn(countWithin, successes);
        learnedAtMs = atMs;
        saturated = false;
        // the run began as the provider let it (not later, held by Rotor's own pace): what it got is the provider's
        boolean prompt = freeAtMs >= 0 && runStartMs >= 0 && runStartMs <= freeAtMs + PROMPT_START_MS;
        pending = new Observation(sentMs, atMs, untilMs, runStartMs, prompt, refused, fromSend,
                Math.max(1, untilPrecisionMs), runSuccesses, runFirstCountedMs, runFirstSentMs, windowMs < stableWindowMs);
        runStartMs = -1;
        runSuccesses = 0;
        return changed;
    }

    /** Learns the pending lesson once every call sent before its 429 came back has its answer. True if it changed. */
    boolean learnIfAnswered(int stillOnTheirWay, LongToIntFunction countWithin, SuccessCount successes) {
        if (pending == null || stillOnTheirWay > 0) {
            return false;
        }
        return learn(countWithin, successes);
    }

    /** What the scope's send log knows: the successes among the calls sent in a span, the refusals in a window. */
    interface SuccessCount {
        int sentBetween(long fromMs, long toMs);

        int refusedWithin(long windowMs, long nowMs);
    }

    private boolean learn(LongToIntFunction countWithin, SuccessCount successes) {
        Observation o = pending;
        pending = null;
        long previousFree = freeAtMs;
        freeAtMs = o.untilMs;
        if (o.runStartMs < 0) {
            return false;
        }
        if (!known()) {
            return first(o);
        }
        if (o.refused && windowMs < stableWindowMs) {
            // the last growth went too far: undo it, and grow less often
            windowMs = windowBeforeGrowthMs;
            stableWindowMs = windowMs;
            probing = false;
            changedAtMs = o.atMs;
            growthSpanMs = Math.min(2 * growthSpanMs, MAX_GROWTH_WINDOWS * windowMs);
            return true;
        }
        if (!confirmed) {
            return measure(o, previousFree, successes);
        }
        if (!o.refused || (shrunkAtMs >= 0 && o.atMs - shrunkAtMs < windowMs)) {
            // a success that used up the window is the pace working; 429s within a window of the last shrink are
            // the same episode
            return false;
        }
        changedAtMs = o.atMs;
        shrunkAtMs = o.atMs;
        probing = false;
        if (source == LimitSource.HEADER) {
            // the size is the provider's own: the window must be longer than learned
            windowMs = Math.round(windowMs / SHRINK);
        } else {
            shrink(o);
        }
        stableWindowMs = windowMs;
        windowBeforeGrowthMs = windowMs;
        return true;
    }

    /**
     * A 429 inside the learned pace: the rate shrinks multiplicatively (the window lengthens). When the 429 says the
     * scope is used up until a reset a good part of a window away, and the run since the last reset began at once,
     * that run's successes are what a window holds: the burst shrinks towards them (by half at most), keeping the
     * rate.
     */
    private void shrink(Observation o) {
        windowMs = Math.max(1, Math.round(windowMs / RATE_SHRINK));
        boolean untilAReset = o.untilMs - o.atMs >= windowMs / 4;
        if (untilAReset && o.prompt && o.successes > 0 && o.successes < size) {
            int smaller = Math.max(o.successes, (size + 1) / 2);
            windowMs = Math.max(1, Math.round((double) windowMs * smaller / size));
            size = smaller;
        }
    }

    private boolean first(Observation o) {
        // the window runs from when the provider counted the run's first success; when the reset is a span counted
        // from when the refused call left, from when that success left, so the delays on the way there cancel
        long firstSuccess = o.fromSend ? o.firstSentMs : o.firstCountedMs;
        long from = firstSuccess == Long.MAX_VALUE ? o.runStartMs : firstSuccess;
        if (o.untilMs <= from || (o.successes == 0 && size == 0)) {
            return false;
        }
        if (size == 0) {
            size = o.successes;
            source = LimitSource.LEARNED;
        }
        windowMs = Math.max(1, o.untilMs - from);
        stableWindowMs = windowMs;
        windowBeforeGrowthMs = windowMs;
        precisionMs = o.precisionMs;
        confirmed = false;
        sampled = 0;
        sampledMs = 0;
        measuredPrecisionMs = 1;
        changedAtMs = o.atMs;
        growthSpanMs = GROWTH_WINDOWS * windowMs;
        return true;
    }

    /**
     * The rate the provider allowed while demand waited throughout: the successes of back-to-back runs (each began
     * as the scope freed, or as soon as Rotor's own pace let it, and met its 429 within about a window) over the
     * spans from one reset to the next. Once those cover a window and enough calls, the window becomes size / rate.
     * A run after a lull starts the count again: a bucket refilled while the scope sat unused says nothing of its
     * rate.
     */
    private boolean measure(Observation o, long previousFree, SuccessCount successes) {
        boolean saturated = o.atMs - o.runStartMs <= windowMs * 3 / 2;
        if (!o.prompt || !saturated || o.grown || previousFree < 0 || o.untilMs <= previousFree) {
            return false;
        }
        measuredPrecisionMs = Math.max(measuredPrecisionMs, o.precisionMs);
        sampled += successes.sentBetween(previousFree, o.atMs);
        sampledMs += o.untilMs - previousFree;
        if (sampledMs < windowMs || sampled < MIN_SAMPLES) {
            return false;
        }
        double perMs = sampled / (double) sampledMs;
        windowMs = Math.max(1, Math.round(size / perMs));
        stableWindowMs = windowMs;
        windowBeforeGrowthMs = windowMs;
        precisionMs = measuredPrecisionMs;
        confirmed = true;
        growthSpanMs = GROWTH_WINDOWS * windowMs;
        return true;
    }

    /**
     * After a span at the learned pace with no 429, one more call per window: the window shortens by one call's
     * share, the burst stays. A limit that was raised (or a window learned too long) is found again. A growth that
     * held as long is kept. True if the estimate changed.
     */
    boolean maybeGrow(long nowMs) {
        if (source != LimitSource.LEARNED || !known() || pending != null || nowMs - changedAtMs < growthSpanMs) {
            return false;
        }
        if (probing) {
            probing = false;
            changedAtMs = nowMs;
            saturated = false;
            return false;
        }
        if (!saturated) {
            return false;
        }
        windowBeforeGrowthMs = windowMs;
        windowMs = Math.max(1, Math.round((double) windowMs * size / (size + 1)));
        probing = true;
        saturated = false;
        changedAtMs = nowMs;
        return true;
    }
}
