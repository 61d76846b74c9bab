package dev.rotor.simulator;

/**
 * A bucket of tokens, as providers limit tokens per minute: {@code capacity} refilled continuously over
 * {@code windowMs}. A call takes what its provider counts of it; some providers give back later what the call did not
 * use. Times are the simulator's epoch milliseconds.
 */
final class TokenBucket {

    private final long capacity;
    private final double perMs;
    private double tokens;
    private long updatedMs;

    TokenBucket(long capacity, long windowMs, long originMs) {
        this.capacity = capacity;
        this.perMs = (double) capacity / windowMs;
        this.tokens = capacity;
        this.updatedMs = originMs;
    }

    long capacity() {
        return capacity;
    }

    /** Takes {@code n} if the bucket holds them now. */
    synchronized boolean tryTake(long n, long nowMs) {
        refill(nowMs);
        if (tokens < n) {
            return false;
        }
        tokens -= n;
        return true;
    }

    /** Gives back what a call reserved and did not use. */
    synchronized void giveBack(long n, long nowMs) {
        refill(nowMs);
        tokens = Math.min(capacity, tokens + n);
    }

    synchronized long remaining(long nowMs) {
        refill(nowMs);
        return (long) Math.floor(tokens);
    }

    /** How long until {@code n} tokens are in the bucket: the "try again in" of a 429. */
    synchronized long msUntil(long n, long nowMs) {
        refill(nowMs);
        return tokens >= n ? 0 : (long) Math.ceil((n - tokens) / perMs);
    }

    /** How long until the bucket is full again: OpenAI's x-ratelimit-reset-tokens, Anthropic's reset. */
    synchronized long msUntilFull(long nowMs) {
        refill(nowMs);
        return (long) Math.ceil((capacity - tokens) / perMs);
    }

    private void refill(long nowMs) {
        if (nowMs > updatedMs) {
            tokens = Math.min(capacity, tokens + (nowMs - updatedMs) * perMs);
            updatedMs = nowMs;
        }
    }
}
