package dev.rotor.simulator;

/** A limit that resets at fixed window boundaries counted from the simulator's start, as providers do. */
final class FixedWindow {

    private final int limit;
    private final long windowMs;
    private final long originMs;
    private long windowStart;
    private int used;

    FixedWindow(int limit, long windowMs, long originMs) {
        this.limit = limit;
        this.windowMs = windowMs;
        this.originMs = originMs;
        this.windowStart = originMs;
    }

    /** Takes one request if the window has room. */
    boolean tryTake(long nowMs) {
        roll(nowMs);
        if (used >= limit) {
            return false;
        }
        used++;
        return true;
    }

    int limit() {
        return limit;
    }

    int remaining(long nowMs) {
        roll(nowMs);
        return Math.max(0, limit - used);
    }

    long resetAtMs(long nowMs) {
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
