package dev.rotor.simulator;

/**
 * A bucket of {@code limit} tokens refilled continuously at {@code limit} per window, as OpenAI and Anthropic document
 * theirs: a full bucket allows a burst of {@code limit}, after that calls go at the refill rate.
 */
final class TokenBucketLimiter implements Limiter {

    private final int capacity;
    private final double tokensPerMs;
    private double tokens;
    private long updatedMs;

    TokenBucketLimiter(int capacity, long windowMs, long originMs) {
        this.capacity = capacity;
        this.tokensPerMs = (double) capacity / windowMs;
        this.tokens = capacity;
        this.updatedMs = originMs;
    }

    @Override
    public boolean tryTake(long nowMs) {
        refill(nowMs);
        if (tokens < 1) {
            return false;
        }
        tokens -= 1;
        return true;
    }

    @Override
    public int limit() {
        return capacity;
    }

    @Override
    public int remaining(long nowMs) {
        refill(nowMs);
        return (int) Math.floor(tokens);
    }

    @Override
    public long nextFreeMs(long nowMs) {
        refill(nowMs);
        return tokens >= 1 ? nowMs : nowMs + (long) Math.ceil((1 - tokens) / tokensPerMs);
    }

    @Override
    public long resetMs(long nowMs) {
        refill(nowMs);
        return nowMs + (long) Math.ceil((capacity - tokens) / tokensPerMs);
    }

    private void refill(long nowMs) {
        if (nowMs > updatedMs) {
            tokens = Math.min(capacity, tokens + (nowMs - updatedMs) * tokensPerMs);
            updatedMs = nowMs;
        }
    }
}
