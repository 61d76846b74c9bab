package dev.rotor.limits;

import dev.rotor.chat.headers.LimitSignal;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.function.Consumer;

/**
 * What Rotor believes about one scope's limit in one unit when models.yaml does not declare it: {@code size} of the
 * unit (calls, or tokens) in any span of {@code window}, from the headers or learned from what succeeded before a 429.
 *
 * <p>How it learns, on every shape a provider uses (fixed window, sliding window, token bucket). A <em>run</em> is what
 * was sent from the first call after the scope became free to the first 429; what got in before that 429 is counted
 * once every call sent before it has its answer, so answers that come back out of order do not skew it.
 *
 * <ul>
 *   <li>The first run: the size is what it got in, the window the span from its first success to the moment the 429
 *       said to come back (a span the 429 gave is counted from when the refused call left, as the success is, so that
 *       the delays on the way to the provider cancel). Exact for a sliding window; for a fixed window entered mid-way
 *       or a token bucket only a guess, so the estimate is <em>unconfirmed</em> and the calls after each cooldown start
 *       with a probe (slow start).
 *   <li>Runs that each began as soon as the provider let them and met their 429 within about a window measure the rate
 *       the provider allows: what they got in over the spans from one reset to the next. Once those cover a window and
 *       enough calls, and the resets they were counted from are precise enough over the span, the window becomes size /
 *       rate and the estimate is confirmed.
 *   <li>After a span at the pace with no 429, it grows by one call's share per window (the window shortens): a limit
 *       that was raised, or a window learned too long, is found again. A 429 inside the pace undoes the last growth
 *       (and the next is tried twice as late); with none to undo, it shrinks the rate, once a window at most.
 *   <li>A window known only to the second (whole-second Retry-After) cannot pace calls one by one: such a scope is
 *       paced {@linkplain Pace#BY_RUNS by runs}. A run that began as the scope freed and got fewer than the size in
 *       shrinks the size to what it got; a probe past the size that got in grows it by one.
 *   <li>A header's size always wins over a learned one; a header's window is confirmed at once.
 * </ul>
 *
 * Every change is told to the listener given at construction, with why. Not thread-safe: the limit state's lock guards
 * it.
 */
final class LearnedLimit {

    /** How Rotor paces by what it learned. */
    enum Pace {
        /** Nothing learned yet: calls go with a probe first (the scope's slow start). */
        NONE,
        /** Known only coarsely: each window from a cooldown's end lets the size and a probe go. */
        BY_RUNS,
        /** Known to a tenth of its window: at most the size in any span of the window. */
        CALL_BY_CALL
    }

    /** A 429 inside the pace of a size the provider announced keeps this share of the rate. */
    static final double SHRINK = 0.75;
    /** A 429 inside the learned pace keeps this share of the rate. */
    static final double RATE_SHRINK = 0.95;
    /** The rate between 429s slows the pace when the pace is faster than it by more than this. */
    static final double RATE_MARGIN = 1.05;
    /** Windows at the learned pace with no 429 before it grows by a call; doubles after a growth that failed. */
    static final int GROWTH_WINDOWS = 2;

    static final int MAX_GROWTH_WINDOWS = 64;
    /** A run that began this soon after the scope freed had demand waiting: it measures the provider's rate. */
    private static final long PROMPT_START_MS = 150;
    /** Resets known only to the second cannot time a window of a few seconds: such a window is paced by runs. */
    private static final int PRECISION_PER_WINDOW = 10;
    /** No time yet. */
    static final long NEVER = Long.MIN_VALUE;

    private final Consumer<String> changed;
    private Fit fit = Fit.UNKNOWN;
    private final Growth growth = new Growth();

    /** The run going on, if a call went since the scope last became free. */
    private Run current;
    /** An ended run whose lesson waits for the calls sent before its 429 came back to have their answers. */
    private Run pending;
    /** When the scope last became free after a learned 429. */
    private long freeAtMs = NEVER;
    /** The answer of the last lesson: a 429 of a call sent before it was on its way then, and is the same lesson. */
    private long learnedAtMs = NEVER;

    private final RateMeasurement rate = new RateMeasurement();
    private final RateBetweenRefusals betweenRefusals = new RateBetweenRefusals();
    /** The last lesson's 429 said when the scope frees; false when its cooldown was guessed. */
    private boolean resetTold = true;
    /** What the 429s last measured the provider's rate to be, in units per ms; 0 until they have. */
    private double rateBetweenRefusalsPerMs;

    /** @param changed told why, whenever the size or window changes */
    LearnedLimit(Consumer<String> changed) {
        this.changed = changed;
    }

    /** What is known of the limit: its size and window, and how they were found. */
    private record Fit(long size, long windowMs, long precisionMs, LimitSource source, boolean confirmed) {

        static final Fit UNKNOWN = new Fit(0, 0, 1, LimitSource.LEARNED, false);

        boolean known() {
            return size > 0 && windowMs > 0;
        }

        Fit withWindow(long newWindowMs) {
            return new Fit(size, Math.max(1, newWindowMs), precisionMs, source, confirmed);
        }

        Fit withSize(long newSize) {
            return new Fit(newSize, windowMs, precisionMs, source, confirmed);
        }
    }

    /** The bookkeeping of growing after a span with no 429, and of undoing a growth that met one. */
    private static final class Growth {
        long changedAtMs;
        long shrunkAtMs = NEVER;
        long spanMs;
        /** A call waited for room at the pace since the last change: the pace, not the demand, set the rate. */
        boolean saturated;
        /** The last growth is on trial: a span with no 429 keeps it. */
        boolean onTrial;
        /** The window as of the last 429 or the measurement: growths since shorten it, a 429 undoes the last. */
        long stableWindowMs;

        long windowBeforeGrowthMs;
        /** Calls per window the next growth adds: doubles while growths hold, back to one after a 429 or a lesson. */
        long step = 1;

        void settled(long windowMs, long atMs) {
            stableWindowMs = windowMs;
            windowBeforeGrowthMs = windowMs;
            changedAtMs = atMs;
            onTrial = false;
            step = 1;
        }
    }

    boolean known() {
        return fit.known();
    }

    boolean confirmed() {
        return fit.confirmed();
    }

    /**
     * Known well enough to pace call by call: the resets the window was learned from were precise to a tenth of it. A
     * window learned from whole-second Retry-After values is trusted at a minute, not at two seconds.
     */
    boolean trusted() {
        return trustedFit(fit);
    }

    private static boolean trustedFit(Fit f) {
        return f.known() && f.precisionMs() * PRECISION_PER_WINDOW <= f.windowMs();
    }

    Pace pace() {
        return !fit.known() ? Pace.NONE : trusted() ? Pace.CALL_BY_CALL : Pace.BY_RUNS;
    }

    long size() {
        return fit.size();
    }

    /** The size the provider told (a header, a 429's body), window known or not; 0 if it told none. */
    long toldSize() {
        return fit.source() == LimitSource.HEADER ? fit.size() : 0;
    }

    long windowMs() {
        return fit.windowMs();
    }

    Optional<LimitView> view(String scope) {
        return fit.known()
                ? Optional.of(new LimitView(
                        scope,
                        (int) Math.min(Integer.MAX_VALUE, fit.size()),
                        Duration.ofMillis(fit.windowMs()),
                        fit.source()))
                : Optional.empty();
    }

    /**
     * The send time before which a call's answer is still awaited by a pending lesson (the 429 came back then: calls
     * sent until then met the limit about when the refused one did); {@link #NEVER} if none.
     */
    long awaitingAnswersSentBefore() {
        return pending == null ? NEVER : pending.endedAtMs;
    }

    /**
     * A call left: it may begin a run. One sent before the scope was last found full belongs to the run that ended then
     * (another process's call, reported late): it does not begin the next, or that run would seem to span more than its
     * window. One sent after a lull begins a new run.
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

    /**
     * @param countedMs the latest moment the provider can have counted the call (its answer, or soon after it left)
     * @param amount what the call counted in this limit's unit
     */
    void succeeded(long sentMs, long countedMs, long amount) {
        betweenRefusals.succeeded(amount);
        if (pending != null && pending.includes(sentMs)) {
            pending.succeeded(sentMs, countedMs, amount);
        } else if (current != null && current.includes(sentMs)) {
            current.succeeded(sentMs, countedMs, amount);
        }
    }

    /**
     * The lesson just begun ended on a used-up window that holds calls counted from then on: a run that began before
     * that began in an earlier window, and must not make this one seem longer.
     */
    void usedUpWindowHeldFrom(long countedMs) {
        if (pending != null) {
            pending.windowHeldFromMs = countedMs;
        }
    }

    /** A call waited because the learned pace had no room: the pace, not the demand, set the rate. */
    void heldBackForRoom() {
        growth.saturated = true;
    }

    /**
     * Takes the figure another process on the same account learned or heard: they see the same provider, and the latest
     * to learn has seen the most. The lesson in progress here goes on from it.
     */
    void adoptFromAnotherProcess(long size, long windowMs, LimitSource source, boolean confirmed, long nowMs) {
        fit = new Fit(size, windowMs, 1, source, confirmed);
        growth.settled(windowMs, nowMs);
        growth.spanMs = Math.max(growth.spanMs, GROWTH_WINDOWS * windowMs);
        growth.saturated = false;
    }

    /** Takes a header's figures: its size always, its window when it gives one. */
    void announced(LimitSignal signal) {
        Fit before = fit;
        if (signal.limit().isPresent() && signal.limit().getAsLong() > 0) {
            fit = new Fit(
                    signal.limit().getAsLong(), fit.windowMs(), fit.precisionMs(), LimitSource.HEADER, fit.confirmed());
            growth.onTrial = false;
        }
        if (signal.window().isPresent() && !signal.window().get().isZero()) {
            fit = new Fit(fit.size(), signal.window().get().toMillis(), fit.precisionMs(), fit.source(), true);
        }
        if (!fit.equals(before)) {
            changed.accept("headers of an answer (" + signal.family() + ")");
        }
    }

    /**
     * The scope is full until the moment given: a 429, or a success that used up the window. Starts a lesson that is
     * learned once the calls sent before it came back have their answers ({@link #learnWhenAnswered}); an earlier one
     * still waiting for answers is learned now with what has come.
     */
    void reached(LimitReached limit, SendCounts counts) {
        if (limit.sentMs() < learnedAtMs) {
            return;
        }
        if (pending != null) {
            learn(counts);
        }
        learnedAtMs = limit.atMs();
        if (limit.refused()) {
            betweenRefusals.refused(limit.atMs(), fit.windowMs());
        }
        growth.saturated = false;
        Run run = current == null ? new Run(limit.sentMs()) : current;
        current = null;
        run.endedAtMs = limit.atMs();
        run.untilMs = limit.learnUntilMs();
        run.prompt = freeAtMs != NEVER && run.startMs <= freeAtMs + PROMPT_START_MS;
        run.refused = limit.refused();
        run.fromSend = limit.fromSend();
        run.precisionMs = Math.max(1, limit.precisionMs());
        run.told = limit.told();
        run.grown = fit.windowMs() < growth.stableWindowMs;
        pending = run;
    }

    /** Learns the pending lesson once every call sent before its 429 came back has its answer. */
    void learnWhenAnswered(int stillOnTheirWay, SendCounts counts) {
        if (pending != null && stillOnTheirWay == 0) {
            learn(counts);
        }
    }

    private void learn(SendCounts counts) {
        Run o = pending;
        pending = null;
        lesson(o, counts);
        slowToTheRateBetweenRefusals(o);
    }

    /**
     * Paced by runs (the resets were guessed, or told to the second), 429s that keep coming close together measure the
     * provider's rate: a pace above it slows to it, keeping the burst. Not where the limit is known call by call: on a
     * sliding window what got in between two 429s is what Rotor itself sent a window before, not the limit, and slowing
     * to it would feed on itself.
     */
    private void slowToTheRateBetweenRefusals(Run o) {
        if (!fit.known() || fit.source() != LimitSource.LEARNED || trusted()) {
            return;
        }
        OptionalDouble perMs = betweenRefusals.takeRate(fit.windowMs());
        if (perMs.isEmpty() || perMs.getAsDouble() <= 0) {
            return;
        }
        rateBetweenRefusalsPerMs = perMs.getAsDouble();
        Fit slowed = atMostTheRateBetweenRefusals(fit);
        if (!slowed.equals(fit)) {
            fit = slowed;
            growth.settled(fit.windowMs(), o.endedAtMs);
            changed.accept("429s keep coming at the learned pace: slowed to the rate between them");
        }
    }

    /**
     * The fit, its window lengthened where its rate is above what the 429s last measured (by more than the margin): a
     * lesson from one run never paces faster than the provider let calls in between its refusals. Only a growth after a
     * span with no 429 goes past it, on trial.
     */
    private Fit atMostTheRateBetweenRefusals(Fit f) {
        if (rateBetweenRefusalsPerMs <= 0 || f.source() != LimitSource.LEARNED || !f.known() || trustedFit(f)) {
            return f;
        }
        long window = Math.round(f.size() / rateBetweenRefusalsPerMs);
        return window > f.windowMs() * RATE_MARGIN ? f.withWindow(window) : f;
    }

    private void lesson(Run o, SendCounts counts) {
        resetTold = o.told;
        long previousFree = freeAtMs;
        freeAtMs = o.untilMs;
        if (!fit.known()) {
            firstGuess(o);
            return;
        }
        if (o.refused && fit.windowMs() < growth.stableWindowMs) {
            undoGrowth(o);
            return;
        }
        if (!trusted() && o.refused && o.prompt && o.told && o.successes < fit.size()) {
            // paced by runs, a 429 on the probe past the size is the pace working; but a run that began as the scope
            // freed and got fewer than the size in says the size is too large
            fit = fit.withSize(Math.max(1, o.successes));
            growth.changedAtMs = o.endedAtMs;
            changed.accept("a run from the reset got only " + o.successes + " in");
        } else if (!trusted() && o.refused && o.prompt && !o.told) {
            shrinkWhenARunFallsShort(o);
        }
        if (!fit.confirmed()) {
            measure(o, previousFree, counts);
            return;
        }
        if (trusted()) {
            shrinkOnARefusalInsideThePace(o);
        }
    }

    private void undoGrowth(Run o) {
        fit = fit.withWindow(growth.windowBeforeGrowthMs);
        growth.settled(fit.windowMs(), o.endedAtMs);
        growth.spanMs = Math.min(2 * growth.spanMs, MAX_GROWTH_WINDOWS * fit.windowMs());
        changed.accept("a 429 at the grown pace: the growth undone, the next one twice as late");
    }

    /**
     * Nothing told of when the scope frees: a run from a guessed reset that met a 429 before the size got in shrinks
     * the burst towards what got in (by half at most), keeping the rate, once a window. A guess that came early shrinks
     * it too, and no harm done: at the same rate, smaller bursts fit every limiter's shape at least as well, where
     * waiting for a second short run let each of them meet a cluster of 429s.
     */
    private void shrinkWhenARunFallsShort(Run o) {
        if (o.successes >= fit.size() || shrunkWithinAWindow(o)) {
            return;
        }
        shrinkBurst(o);
        growth.settled(fit.windowMs(), o.endedAtMs);
        growth.shrunkAtMs = o.endedAtMs;
        changed.accept("a run from a guessed reset met a 429 before the size: now " + fit.size());
    }

    private boolean shrunkWithinAWindow(Run o) {
        return growth.shrunkAtMs != NEVER && o.endedAtMs - growth.shrunkAtMs < fit.windowMs();
    }

    /** A 429 inside the pace of a limit known call by call: the rate shrinks, once a window at most. */
    private void shrinkOnARefusalInsideThePace(Run o) {
        if (!o.refused || shrunkWithinAWindow(o)) {
            // a success that used up the window is the pace working; 429s within a window of the last shrink are
            // the same episode
            return;
        }
        growth.shrunkAtMs = o.endedAtMs;
        if (fit.source() == LimitSource.HEADER) {
            // the size is the provider's own: the window must be longer than learned
            fit = fit.withWindow(Math.round(fit.windowMs() / SHRINK));
        } else {
            shrink(o);
        }
        growth.settled(fit.windowMs(), o.endedAtMs);
        changed.accept("a 429 inside the learned pace");
    }

    /**
     * The rate shrinks multiplicatively (the window lengthens). When the 429 says the scope is used up until a reset a
     * good part of a window away, and the run since the last reset began at once, that run's successes are what a
     * window holds: the burst shrinks towards them (by half at most), keeping the rate.
     */
    private void shrink(Run o) {
        fit = fit.withWindow(Math.round(fit.windowMs() / RATE_SHRINK));
        boolean untilAReset = o.untilMs - o.endedAtMs >= fit.windowMs() / 4;
        if (untilAReset && o.prompt) {
            shrinkBurst(o);
        }
    }

    /** The burst shrinks towards the run's successes, by half at most; the window with it, so the rate stays. */
    private void shrinkBurst(Run o) {
        if (o.successes > 0 && o.successes < fit.size()) {
            long smaller = Math.max(o.successes, (fit.size() + 1) / 2);
            fit = new Fit(
                    smaller,
                    Math.max(1, Math.round((double) fit.windowMs() * smaller / fit.size())),
                    fit.precisionMs(),
                    fit.source(),
                    fit.confirmed());
        }
    }

    private void firstGuess(Run o) {
        // the window runs from when the provider counted the run's first success; when the reset is a span counted
        // from when the refused call left, from when that success left, so the delays on the way there cancel
        // a window used up on a success holds the last `size` calls: it began no later than the first of them, and
        // the run may have begun in an earlier window (with more successes than a window holds, it must have)
        long from = Math.max(o.firstSuccessMs(), o.windowHeldFromMs);
        if (o.untilMs <= from || (o.successes == 0 && fit.size() == 0)) {
            return;
        }
        long size = fit.size() == 0 ? o.successes : fit.size();
        LimitSource source = fit.size() == 0 ? LimitSource.LEARNED : fit.source();
        fit = new Fit(size, Math.max(1, o.untilMs - from), o.precisionMs, source, false);
        rate.clear();
        growth.settled(fit.windowMs(), o.endedAtMs);
        growth.spanMs = GROWTH_WINDOWS * fit.windowMs();
        changed.accept("the calls before a 429 answered");
    }

    /**
     * Adds the run to the rate measurement if it began as the scope freed, met its 429 within about a window and went
     * at no grown pace; once the measurement covers a window and enough calls, the window becomes size / rate. A run
     * after a lull is left out: a bucket refilled while the scope sat unused says nothing of its rate.
     */
    private void measure(Run o, long previousFree, SendCounts counts) {
        boolean saturated = o.endedAtMs - o.startMs <= fit.windowMs() * 3 / 2;
        if (!o.prompt || !saturated || o.grown || previousFree == NEVER || o.untilMs <= previousFree) {
            return;
        }
        rate.add(
                counts.succeededSentBetween(previousFree, o.endedAtMs),
                o.untilMs - previousFree,
                o.precisionMs,
                o.told);
        OptionalDouble perMs = rate.perMs(fit.windowMs());
        if (perMs.isEmpty()) {
            return;
        }
        long window = Math.max(1, Math.round(fit.size() / perMs.getAsDouble()));
        // a rate measured over many windows is known better than each reset it was counted from: its error over one
        // window is the resets' precision spread over the span measured
        long precision = Math.max(1, rate.precisionMs() * window / Math.max(1, rate.spanMs()));
        fit = new Fit(fit.size(), window, precision, fit.source(), false);
        // measured well enough to pace call by call: confirmed; else the next runs add to the measurement, while the
        // provider tells its resets (cooldowns guessed by backoff would only make the measured rate slower)
        fit = atMostTheRateBetweenRefusals(
                new Fit(fit.size(), window, precision, fit.source(), trusted() || !rate.told()));
        growth.stableWindowMs = fit.windowMs();
        growth.windowBeforeGrowthMs = fit.windowMs();
        growth.spanMs = GROWTH_WINDOWS * fit.windowMs();
        changed.accept("the rate of the runs from each reset");
    }

    /**
     * Paced by runs, the probe past the size got in {@code sinceWindowMs} after the window began. Early enough that it
     * cannot have been the provider's next window (the window less what the cooldown's end may lie past the provider's
     * reset), it shows that runs hold one call more.
     */
    void probeGotIn(long sinceWindowMs) {
        if (fit.source() != LimitSource.LEARNED || !resetTold || sinceWindowMs >= fit.windowMs() - fit.precisionMs()) {
            // a cooldown guessed by backoff says nothing of where the provider's window begins: a bucket refilling
            // lets the probe in whatever the size, and growing on it would grow the burst past the bucket
            return;
        }
        fit = atMostTheRateBetweenRefusals(fit.withSize(fit.size() + 1));
        changed.accept("the probe past the size got in");
    }

    /**
     * After a span at the learned pace with no 429, more calls per window: the window shortens by their share, the
     * burst stays. A limit that was raised (or a window learned too long) is found again. A growth that held as long is
     * kept, and while the pace still held calls back the next follows at once with twice the step (up to a quarter of
     * the size): a first lesson that read the window a fifth too long is made good in a few spans, not in a minute of
     * one call at a time. A 429 undoes the last growth and starts again from one call.
     */
    void growIfDue(long nowMs) {
        if (fit.source() != LimitSource.LEARNED
                || !fit.known()
                || pending != null
                || nowMs - growth.changedAtMs < growth.spanMs) {
            return;
        }
        if (growth.onTrial) {
            growth.onTrial = false;
            growth.changedAtMs = nowMs;
            growth.step = Math.min(2 * growth.step, Math.max(1, fit.size() / 4));
            if (!growth.saturated) {
                return;
            }
        }
        if (!growth.saturated) {
            return;
        }
        growth.windowBeforeGrowthMs = fit.windowMs();
        fit = fit.withWindow(Math.round((double) fit.windowMs() * fit.size() / (fit.size() + growth.step)));
        growth.onTrial = true;
        growth.saturated = false;
        growth.changedAtMs = nowMs;
        changed.accept("no 429 for a while at the learned pace");
    }
}
