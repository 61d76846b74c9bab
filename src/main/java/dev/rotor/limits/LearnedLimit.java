package dev.rotor.limits;

import java.time.Duration;
import java.util.Optional;
import java.util.OptionalDouble;
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
 * <li>A window learned from resets known only to the second (whole-second Retry-After) cannot pace calls one by
 * one: such a scope paces by runs, {@code size} calls and one probe in each window counted from its last cooldown's
 * end. A probe that got in grows the size by one; its 429 is the pace working, and shrinks nothing.</li>
 * <li>A header's size always wins over a learned one; a header's window is confirmed at once.</li>
 * </ul>
 * Not thread-safe: the limit state's lock guards it.
 */
final class LearnedLimit {

    /** A 429 inside the pace of a size the provider announced keeps this share of the rate. */
    static final double SHRINK = 0.75;
    /** A 429 inside the learned pace keeps this share of the rate. */
    static final double RATE_SHRINK = 0.95;
    /** Windows at the learned pace with no 429 before it grows by a call; doubles after a growth that failed. */
    static final int GROWTH_WINDOWS = 2;
    static final int MAX_GROWTH_WINDOWS = 64;
    /** A run that began this soon after the scope freed had demand waiting: it measures the provider's rate. */
    private static final long PROMPT_START_MS = 150;
    /** Resets known only to the second cannot time a window of a few seconds: such a window is not paced by. */
    private static final int PRECISION_PER_WINDOW = 10;

    private int size;
    private long windowMs;
    /** The coarsest reset the window was learned from. */
    private long precisionMs = 1;
    private LimitSource source = LimitSource.LEARNED;
    private boolean confirmed;

    /** The run going on, if a call went since the scope last became free. */
    private Run current;
    /** An ended run whose lesson waits for the calls sent before its 429 came back to have their answers. */
    private Run pending;
    /** When the scope last became free after a learned 429. */
    private long freeAtMs = -1;
    /** A 429 of a call sent before this was on its way when the last one taught us: it teaches nothing new. */
    private long learnedAtMs = Long.MIN_VALUE;
    private final RateMeasurement rate = new RateMeasurement();

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
        return pending == null ? Long.MIN_VALUE : pending.endedAtMs;
    }

    /**
     * A call left: it may begin a run. One sent before the scope was last found full belongs to the run that ended
     * then (another process's call, reported late): it does not begin the next, or that run would seem to span more
     * than its window. One sent after a lull begins a new run.
     */
    void sent(long sentMs) {
        if (current != null && current.lullBefore(sentMs)) {
            // the calls before the lull may have left the provider's window: they would make it seem larger and longer
            current = null;
        }
        if (current == null && sentMs >= learnedAtMs) {
            current = new Run(sentMs);
        } else if (current != null) {
            current.sent(sentMs);
        }
    }

    /** @param countedMs the latest moment the provider can have counted the call (its answer, or soon after it left) */
    void succeeded(long sentMs, long countedMs) {
        if (pending != null && pending.includes(sentMs)) {
            pending.succeeded(sentMs, countedMs);
        } else if (current != null && current.includes(sentMs)) {
            current.succeeded(sentMs, countedMs);
        }
    }

    /**
     * The lesson just begun ended on a used-up window that holds calls counted from then on: a run that began before
     * that began in an earlier window, and must not make this one seem longer.
     */
    void windowHeldFrom(long countedMs) {
        if (pending != null) {
            pending.windowHeldFromMs = countedMs;
        }
    }

    /** A call waited because the learned pace had no room: the pace, not the demand, set the rate. */
    void refusedForRoom() {
        saturated = true;
    }

    /**
     * Takes the figure another process on the same account learned or heard: they see the same provider, and the
     * latest to learn has seen the most. The lesson in progress here goes on from it.
     */
    void adopt(int size, long windowMs, LimitSource source, boolean confirmed, long nowMs) {
        this.size = size;
        this.windowMs = windowMs;
        this.source = source;
        this.confirmed = confirmed;
        precisionMs = 1;
        stableWindowMs = windowMs;
        windowBeforeGrowthMs = windowMs;
        changedAtMs = nowMs;
        growthSpanMs = Math.max(growthSpanMs, GROWTH_WINDOWS * windowMs);
        probing = false;
        saturated = false;
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
        Run run = current == null ? new Run(sentMs) : current;
        current = null;
        run.endedAtMs = atMs;
        run.untilMs = untilMs;
        run.prompt = freeAtMs >= 0 && run.startMs <= freeAtMs + PROMPT_START_MS;
        run.refused = refused;
        run.fromSend = fromSend;
        run.precisionMs = Math.max(1, untilPrecisionMs);
        run.grown = windowMs < stableWindowMs;
        pending = run;
        return changed;
    }

    /** Learns the pending lesson once every call sent before its 429 came back has its answer. True if it changed. */
    boolean learnIfAnswered(int stillOnTheirWay, LongToIntFunction countWithin, SuccessCount successes) {
        if (pending == null || stillOnTheirWay > 0) {
            return false;
        }
        return learn(countWithin, successes);
    }

    /** The successes among the calls sent in a span, as the scope's send log has them. */
    @FunctionalInterface
    interface SuccessCount {
        int sentBetween(long fromMs, long toMs);
    }

    private boolean learn(LongToIntFunction countWithin, SuccessCount successes) {
        Run o = pending;
        pending = null;
        long previousFree = freeAtMs;
        freeAtMs = o.untilMs;
        if (!known()) {
            return first(o);
        }
        if (o.refused && windowMs < stableWindowMs) {
            // the last growth went too far: undo it, and grow less often
            windowMs = windowBeforeGrowthMs;
            stableWindowMs = windowMs;
            probing = false;
            changedAtMs = o.endedAtMs;
            growthSpanMs = Math.min(2 * growthSpanMs, MAX_GROWTH_WINDOWS * windowMs);
            return true;
        }
        if (!confirmed) {
            return measure(o, previousFree, successes);
        }
        if (!trusted()) {
            // a 429 on the probe past the size is the pace by runs working, not a sign that the rate is lower
            return false;
        }
        if (!o.refused || (shrunkAtMs >= 0 && o.endedAtMs - shrunkAtMs < windowMs)) {
            // a success that used up the window is the pace working; 429s within a window of the last shrink are
            // the same episode
            return false;
        }
        changedAtMs = o.endedAtMs;
        shrunkAtMs = o.endedAtMs;
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
    private void shrink(Run o) {
        windowMs = Math.max(1, Math.round(windowMs / RATE_SHRINK));
        boolean untilAReset = o.untilMs - o.endedAtMs >= windowMs / 4;
        if (untilAReset && o.prompt && o.successes > 0 && o.successes < size) {
            int smaller = Math.max(o.successes, (size + 1) / 2);
            windowMs = Math.max(1, Math.round((double) windowMs * smaller / size));
            size = smaller;
        }
    }

    private boolean first(Run o) {
        // the window runs from when the provider counted the run's first success; when the reset is a span counted
        // from when the refused call left, from when that success left, so the delays on the way there cancel
        // a window used up on a success holds the last `size` calls: it began no later than the first of them, and
        // the run may have begun in an earlier window (with more successes than a window holds, it must have)
        long from = Math.max(o.firstSuccessMs(), o.windowHeldFromMs);
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
        rate.clear();
        changedAtMs = o.endedAtMs;
        growthSpanMs = GROWTH_WINDOWS * windowMs;
        return true;
    }

    /**
     * Adds the run to the rate measurement if it began as the scope freed, met its 429 within about a window and
     * went at no grown pace; once the measurement covers a window and enough calls, the window becomes size / rate.
     * A run after a lull is left out: a bucket refilled while the scope sat unused says nothing of its rate.
     */
    private boolean measure(Run o, long previousFree, SuccessCount successes) {
        boolean saturated = o.endedAtMs - o.startMs <= windowMs * 3 / 2;
        if (!o.prompt || !saturated || o.grown || previousFree < 0 || o.untilMs <= previousFree) {
            return false;
        }
        rate.add(successes.sentBetween(previousFree, o.endedAtMs), o.untilMs - previousFree, o.precisionMs);
        OptionalDouble perMs = rate.perMs(windowMs);
        if (perMs.isEmpty()) {
            return false;
        }
        windowMs = Math.max(1, Math.round(size / perMs.getAsDouble()));
        stableWindowMs = windowMs;
        windowBeforeGrowthMs = windowMs;
        precisionMs = rate.precisionMs();
        confirmed = true;
        growthSpanMs = GROWTH_WINDOWS * windowMs;
        return true;
    }

    /**
     * Paced by runs, the probe past the size got in {@code sinceWindowMs} after the window began. Early enough that
     * it cannot have been the provider's next window (the window less what the cooldown's end may lie past the
     * provider's reset), it shows that runs hold one call more. True if the estimate changed.
     */
    boolean probeGotIn(long sinceWindowMs) {
        if (source != LimitSource.LEARNED || sinceWindowMs >= windowMs - precisionMs) {
            return false;
        }
        size++;
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
