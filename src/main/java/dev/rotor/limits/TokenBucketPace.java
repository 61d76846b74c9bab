package dev.rotor.limits;

import java.time.Duration;
import java.util.Arrays;

/**
 * A token limit paced as providers enforce theirs (OpenAI, Anthropic and Groq document a bucket refilled continuously):
 * {@code capacity} tokens, refilled at {@code capacity} per window. A call leaves only when the bucket holds what it
 * reserves, and takes it; its answer settles the difference. What the provider says remains re-anchors the level, so a
 * rate known only roughly, or tokens someone else used on the account, are corrected by what happened. The provider
 * takes a call when it arrives, not when Rotor lets it go: a bucket full meanwhile refills no further, so this one
 * never refills past its capacity less what calls that may not have arrived yet reserved ({@code unarrived}, given with
 * each step). Not thread-safe: the limit state's lock guards it.
 */
final class TokenBucketPace {

    /**
     * Refill rates the headers implied lately: their median is the rate, so one reading rounded badly moves nothing.
     */
    private static final int RATE_SAMPLES = 9;

    private long capacity;
    private double perMs;
    private double level;
    private long updatedMs;
    private final LimitSource source;
    private final double[] rates = new double[RATE_SAMPLES];
    private int rateSamples;
    private int nextRate;
    /** When the call whose answer last told the level left: an older answer tells less. */
    private long anchoredSentMs = Long.MIN_VALUE;
    /** The call that waits longest for room: others may not take the room it waits for. */
    private Claim claim;

    /**
     * A waiting call's place: task {@code task} needs {@code need}, and comes back for it by {@code untilMs} (a claim
     * not taken up by then is dropped: its task went to another model, or ended).
     */
    private record Claim(String task, long need, long untilMs) {}

    /** How long past the moment it fits a waiting call has to come back and take its room. */
    static final long CLAIM_GRACE_MS = 500;

    TokenBucketPace(long capacity, Duration window, long nowMs, LimitSource source) {
        this.capacity = capacity;
        this.perMs = capacity / (double) Math.max(1, window.toMillis());
        this.level = capacity;
        this.updatedMs = nowMs;
        this.source = source;
    }

    long capacity() {
        return capacity;
    }

    LimitSource source() {
        return source;
    }

    /** The window that refills the whole capacity at the rate paced by. */
    Duration window() {
        return Duration.ofMillis(Math.max(1, Math.round(capacity / perMs)));
    }

    /**
     * When the bucket will hold {@code need} and a margin for what the estimate may miss: {@code nowMs} if it does now;
     * {@link Long#MAX_VALUE} if the call never fits. Calls wait for the refill one after the other, each leaving as
     * soon as it fits: one whose provider counts a few tokens more than estimated would meet a 429 without it. The
     * margin shifts the level once and costs no rate.
     */
    long nextFree(long need, long nowMs) {
        return nextFree(need, "", nowMs, 0);
    }

    /**
     * As above, for a call of {@code task} ("" for none): a large call that waits keeps its place, and a smaller one
     * may not take the room it waits for; it queues behind it instead (the bucket refills for both, nothing is lost). A
     * call that finds no room and no one waiting ahead of it takes the place.
     */
    long nextFree(long need, String task, long nowMs, long unarrived) {
        if (need > capacity) {
            return Long.MAX_VALUE;
        }
        refill(nowMs, unarrived);
        double wanted = Math.min(capacity, need + margin(need));
        if (claim != null && nowMs > claim.untilMs()) {
            claim = null;
        }
        boolean ahead = claim != null && !claim.task().equals(task);
        double room = ahead ? level - claim.need() - margin(claim.need()) : level;
        if (room >= wanted) {
            return nowMs;
        }
        long at = nowMs + (long) Math.ceil((wanted - room) / perMs);
        if (claim == null && !task.isEmpty()) {
            claim = new Claim(task, need, at + CLAIM_GRACE_MS);
        }
        return at;
    }

    /** What an estimate of {@code need} may miss by: a few percent, and a few tokens of framing. */
    static long margin(long need) {
        return need / 50 + 8;
    }

    /** A call of {@code task} left with this reservation: it no longer waits. */
    void take(long amount, String task, long nowMs, long unarrived) {
        if (claim != null && claim.task().equals(task)) {
            claim = null;
        }
        refill(nowMs, unarrived);
        level -= amount;
    }

    /** A call ended (answered, refused, failed): it counted {@code counted} where it reserved {@code reserved}. */
    void settle(long reserved, long counted, long nowMs, long unarrived) {
        refill(nowMs, unarrived);
        level = Math.min(capacity - unarrived, level + reserved - counted);
    }

    /**
     * What the provider said remains, as it reckoned when the call sent at {@code sentMs} reached it; {@code pending}:
     * what Rotor's calls sent since then reserved, which the provider had not counted yet.
     */
    void anchor(long remaining, long sentMs, long pending, long nowMs, long unarrived) {
        if (sentMs < anchoredSentMs) {
            return;
        }
        anchoredSentMs = sentMs;
        refill(nowMs, unarrived);
        double told = Math.min(capacity, remaining + Math.max(0, nowMs - sentMs) * perMs) - pending;
        level = Math.min(capacity - unarrived, told);
    }

    /**
     * The provider told its limit again: its size, and the window its refill implies (known only as well as its reset
     * is: each reading is one sample of the rate).
     */
    void told(long newCapacity, Duration refillWindow) {
        if (newCapacity > 0 && newCapacity != capacity) {
            level = level * newCapacity / capacity;
            capacity = newCapacity;
        }
        if (refillWindow != null && !refillWindow.isZero()) {
            rates[nextRate] = capacity / (double) refillWindow.toMillis();
            nextRate = (nextRate + 1) % RATE_SAMPLES;
            rateSamples = Math.min(RATE_SAMPLES, rateSamples + 1);
            double[] sorted = Arrays.copyOf(rates, rateSamples);
            Arrays.sort(sorted);
            perMs = sorted[rateSamples / 2];
        }
    }

    /** What it holds now (negative while calls it let go wait for the refill). */
    long level(long nowMs) {
        refill(nowMs, 0);
        return (long) Math.floor(level);
    }

    private void refill(long nowMs, long unarrived) {
        if (nowMs > updatedMs) {
            level = Math.min(capacity - unarrived, level + (nowMs - updatedMs) * perMs);
            updatedMs = nowMs;
        }
    }
}
