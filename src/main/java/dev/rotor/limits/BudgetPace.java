package dev.rotor.limits;

import dev.rotor.models.Budget;
import dev.rotor.models.Money;
import java.time.Instant;

/**
 * One spending cap of a scope over its calendar window: a call leaves only when what was spent in the window and what
 * the calls on their way reserved leave room for its worst case; its answer settles that to what it cost. Not
 * thread-safe: the limit state's lock guards it.
 */
final class BudgetPace {

    static final long RECHECK_MS = BudgetView.RECHECK_MS;

    private final String scope;
    private final Budget.Cap cap;
    private long windowStartMs = Long.MIN_VALUE;
    private long windowEndMs = Long.MIN_VALUE;
    /** Spent in the window by calls that ended in it, in pico-dollars. */
    private long settled;
    /** The worst cases calls on their way reserved; they count in whichever window they end in. */
    private long onTheirWay;

    BudgetPace(String scope, Budget.Cap cap) {
        this.scope = scope;
        this.cap = cap;
    }

    String scope() {
        return scope;
    }

    Budget.Cap cap() {
        return cap;
    }

    /** Whether a call's worst case could fit an empty window at all. */
    boolean canEverHold(long worstCost) {
        return worstCost <= cap.picoUsd();
    }

    /**
     * When the window has room for {@code worstCost}: {@code nowMs} if it does now, else the window's end (or, while
     * calls on their way hold the room, soon: their answers may give some back).
     */
    long nextFree(long worstCost, long nowMs) {
        roll(nowMs);
        if (settled + onTheirWay + worstCost <= cap.picoUsd()) {
            return nowMs;
        }
        return settled + worstCost <= cap.picoUsd() ? nowMs + RECHECK_MS : windowEndMs;
    }

    /** A call left, reserving its worst case. */
    void reserve(long worstCost, long nowMs) {
        roll(nowMs);
        onTheirWay += worstCost;
    }

    /** A call that reserved {@code worstCost} ended costing {@code cost}, counted in the window it ends in. */
    void settle(long worstCost, long cost, long nowMs) {
        roll(nowMs);
        onTheirWay = Math.max(0, onTheirWay - worstCost);
        settled += cost;
    }

    /** Spent in the window, and reserved by calls on their way. */
    long spent(long nowMs) {
        roll(nowMs);
        return settled + onTheirWay;
    }

    long remaining(long nowMs) {
        return Math.max(0, cap.picoUsd() - spent(nowMs));
    }

    BudgetView view(long nowMs) {
        return new BudgetView(scope, cap.window(), cap.picoUsd(), spent(nowMs), windowEnd(nowMs));
    }

    Instant windowEnd(long nowMs) {
        roll(nowMs);
        return Instant.ofEpochMilli(windowEndMs);
    }

    private void roll(long nowMs) {
        if (nowMs >= windowEndMs) {
            Instant now = Instant.ofEpochMilli(nowMs);
            windowStartMs = cap.window().start(now).toEpochMilli();
            windowEndMs = cap.window().end(now).toEpochMilli();
            settled = 0;
        }
    }

    @Override
    public String toString() {
        return Money.text(cap.picoUsd()) + " per " + cap.window().label() + " (" + scope + ")";
    }
}
