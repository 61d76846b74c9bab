package dev.rotor.limits;

import java.time.Duration;
import java.util.Optional;
import java.util.function.LongToIntFunction;

import dev.rotor.chat.headers.LimitSignal;

/**
 * What Rotor believes about one scope's limit when models.yaml does not declare it: {@code size} calls in any span
 * of {@code window}, from the headers or learned from the calls that succeeded before a 429.
 *
 * <p>How it learns, on every shape a provider uses (fixed window, sliding window, token bucket):
 * <ul>
 * <li>A first 429 after a run of successes: the size is the run's successes, the window the span from the run's first
 * call to the moment the 429 said to come back. Exact for a sliding window; for a fixed window entered mid-way or a
 * token bucket it is only a guess, so it stays <em>unconfirmed</em> and calls after each cooldown start with a
 * probe (the scope's slow start).</li>
 * <li>Later 429s measure the rate the provider really allows: the successes since the first cooldown ended over the
 * span to the latest reset. Once that span covers a window and enough calls, the window becomes size / rate, and the
 * estimate is confirmed: whole windows for a fixed window, the refill rate for a bucket.</li>
 * <li>A confirmed estimate shrinks multiplicatively on a 429 that arrives inside the learned pace (the limit was
 * lowered, or someone else uses it), never below what just succeeded; and grows by one call after a span at the pace
 * with no 429. A growth that meets a 429 is undone and the next is tried twice as late.</li>
 * <li>A header's size always wins over a learned one; a header's window is confirmed at once.</li>
 * </ul>
 * Not thread-safe: its scope's lock guards it.
 */
final class LearnedLimit {

    /** A 429 inside the learned pace keeps at least this share of the size. */
    static final double SHRINK = 0.75;
    /** Successes to measure a rate from before the window is trusted. */
    static final int MIN_SAMPLES = 8;
    /** Windows at the learned pace with no 429 before the size grows by one; doubles after a growth that failed. */
    static final int GROWTH_WINDOWS = 4;
    static final int MAX_GROWTH_WINDOWS = 64;

    private int size;
    private long windowMs;
    private LimitSource source = LimitSource.LEARNED;
    private boolean confirmed;

    /** The current run: from the first call after the scope last became free. */
    private long runStartMs = -1;
    private int runSuccesses;
    /** When the first learned cooldown ended, and the successes since: the rate measurement. */
    private long firstFreeMs = -1;
    private int successesSinceFirstFree;
    /** A 429 of a call sent before this was in flight when the last one taught us: it teaches nothing new. */
    private long learnedAtMs = Long.MIN_VALUE;

    private long changedAtMs;
    private long growthSpanMs;
    private boolean saturated;
    private boolean probing;
    private int sizeBeforeProbe;

    boolean known() {
        return size > 0 && windowMs > 0;
    }

    boolean confirmed() {
        return confirmed;
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

    void sent(long nowMs) {
        if (runStartMs < 0) {
            runStartMs = nowMs;
            runSuccesses = 0;
        }
    }

    void succeeded(long sentMs) {
        if (runStartMs >= 0 && sentMs >= runStartMs) {
            runSuccesses++;
        }
        if (firstFreeMs >= 0 && sentMs >= firstFreeMs) {
            successesSinceFirstFree++;
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
     * Learns from a 429, or from a success that used up the window, that the scope is full until {@code untilMs}.
     *
     * @param inFlightBefore calls sent before the refused one and not yet answered: they got in before it
     * @param countWithin    the calls counted in a window of the given length before the 429, sent before the
     *                       refused call
     * @return true if the estimate changed
     */
    boolean full(long sentMs, long atMs, long untilMs, int inFlightBefore, LongToIntFunction countWithin) {
        if (sentMs < learnedAtMs) {
            return false;
        }
        learnedAtMs = atMs;
        long runStart = runStartMs;
        int run = runSuccesses + inFlightBefore;
        runStartMs = -1;
        saturated = false;
        if (!known()) {
            return first(runStart, run, atMs, untilMs);
        }
        if (probing) {
            size = sizeBeforeProbe;
            probing = false;
            growthSpanMs = Math.min(2 * growthSpanMs, MAX_GROWTH_WINDOWS * windowMs);
            changedAtMs = atMs;
            return true;
        }
        if (!confirmed) {
            return measure(untilMs, atMs);
        }
        changedAtMs = atMs;
        if (source == LimitSource.HEADER) {
            // the size is the provider's own: the window must be longer than learned
            windowMs = Math.round(windowMs / SHRINK);
            return true;
        }
        int inWindow = countWithin.applyAsInt(windowMs);
        int shrunk = Math.max(1, Math.min(size - 1, Math.max(inWindow, (int) Math.floor(size * SHRINK))));
        boolean changed = shrunk != size;
        size = shrunk;
        return changed;
    }

    private boolean first(long runStart, int run, long atMs, long untilMs) {
        if (runStart < 0 || untilMs <= runStart || (run == 0 && size == 0)) {
            return false;
        }
        if (size == 0) {
            size = run;
            source = LimitSource.LEARNED;
        }
        windowMs = Math.max(1, untilMs - runStart);
        confirmed = false;
        firstFreeMs = untilMs;
        successesSinceFirstFree = 0;
        changedAtMs = atMs;
        growthSpanMs = GROWTH_WINDOWS * windowMs;
        return true;
    }

    /** The rate the provider allowed since the first cooldown ended, once that covers a window and enough calls. */
    private boolean measure(long untilMs, long atMs) {
        long span = untilMs - firstFreeMs;
        if (span < windowMs || successesSinceFirstFree < MIN_SAMPLES) {
            return false;
        }
        double perMs = successesSinceFirstFree / (double) span;
        windowMs = Math.max(1, Math.round(size / perMs));
        confirmed = true;
        changedAtMs = atMs;
        growthSpanMs = GROWTH_WINDOWS * windowMs;
        return true;
    }

    /**
     * After a span at the learned pace with no 429, one more call per window: a limit that was raised is found again.
     * A growth that held for two windows is kept. True if the estimate changed.
     */
    boolean maybeGrow(long nowMs) {
        if (source != LimitSource.LEARNED || !known()) {
            return false;
        }
        if (probing) {
            if (nowMs - changedAtMs >= 2 * windowMs) {
                probing = false;
                changedAtMs = nowMs;
            }
            return false;
        }
        if (!saturated || nowMs - changedAtMs < growthSpanMs) {
            return false;
        }
        sizeBeforeProbe = size;
        size++;
        probing = true;
        saturated = false;
        changedAtMs = nowMs;
        return true;
    }
}
