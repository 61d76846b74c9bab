package dev.rotor.simulator;

/** A counter reset at fixed window boundaries counted from the simulator's start (OpenRouter's per-minute pools). */
final class FixedWindowLimiter implements Limiter {

    private final int limit;
    private final long windowMs;
    private final long originMs;
    private long windowStart;
    private int used;

    FixedWindowLimiter(int limit, long windowMs, long originMs) {
        this.limit = limit;
        this.windowMs = windowMs;
        this.originMs = originMs;
        this.windowStart = originMs;
    }

    @Override
    public boolean tryTake(long nowMs) {
        roll(nowMs);
        if (used >= limit) {
            return false;
        }
        used++;
        return true;
    }

    @Override
    public int limit() {
        return limit;
    }

    @Override
    public int remaining(long nowMs) {
        roll(nowMs);
        return Math.max(0, limit - used);
    }

    @Override
    public long nextFreeMs(long nowMs) {
        roll(nowMs);
        return used < limit ? nowMs : windowStart + windowMs;
    }

    @Override
    public long resetMs(long nowMs) {
        roll(nowMs);
        return windowStart + windowMs;
    }

    private void roll(long nowMs) {
        if (nowMs >= windowStart + windowMs) {
            windowStart = originMs + ((nowMs - originMs) / windowMs) * windowMs;
            used = 0;
        }
    }
}
