package dev.rotor.simulator;

import java.util.Locale;

/**
 * One rate limit as a provider enforces it, in one of the three shapes real providers use. Times are epoch milliseconds
 * from the simulator's clock. Only granted calls count: a refused call uses up nothing.
 */
public interface Limiter {

    /** The shapes: a counter reset at window boundaries, a log of the last window, a continuously refilled bucket. */
    enum Shape {
        FIXED,
        SLIDING,
        BUCKET;

        public static Shape parse(String value) {
            if (value == null || value.isBlank()) {
                return FIXED;
            }
            try {
                return valueOf(value.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("shape must be fixed, sliding or bucket, got '" + value + "'");
            }
        }
    }

    /** Takes one call if the limit has room for it now. */
    boolean tryTake(long nowMs);

    /** The limit's size: calls per window, or the bucket's capacity. */
    int limit();

    int remaining(long nowMs);

    /**
     * When the next call will fit: the window's end (fixed), when the oldest call leaves the window (sliding), when the
     * next token arrives (bucket). What a provider puts in its reset and Retry-After headers.
     */
    long nextFreeMs(long nowMs);

    /**
     * When the limit is whole again, for the reset header of a success: the window's end (fixed), when the oldest call
     * leaves the window (sliding), when the bucket is full (bucket).
     */
    long resetMs(long nowMs);

    static Limiter of(Shape shape, int limit, long windowMs, long originMs) {
        if (limit <= 0 || windowMs <= 0) {
            throw new IllegalArgumentException(
                    "a limit needs limit > 0 and window-ms > 0, got " + limit + " per " + windowMs + " ms");
        }
        return switch (shape) {
            case FIXED -> new FixedWindowLimiter(limit, windowMs, originMs);
            case SLIDING -> new SlidingWindowLimiter(limit, windowMs);
            case BUCKET -> new TokenBucketLimiter(limit, windowMs, originMs);
        };
    }
}
