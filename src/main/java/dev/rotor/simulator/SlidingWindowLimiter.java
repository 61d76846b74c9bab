package dev.rotor.simulator;

import java.util.ArrayDeque;
import java.util.Deque;

/** A log of the calls granted in the last window: a slot frees exactly one window after the call that took it. */
final class SlidingWindowLimiter implements Limiter {

    private final int limit;
    private final long windowMs;
    private final Deque<Long> granted = new ArrayDeque<>();

    SlidingWindowLimiter(int limit, long windowMs) {
        this.limit = limit;
        this.windowMs = windowMs;
    }

    @Override
    public boolean tryTake(long nowMs) {
        evict(nowMs);
        if (granted.size() >= limit) {
            return false;
        }
        granted.addLast(nowMs);
        return true;
    }

    @Override
    public int limit() {
        return limit;
    }

    @Override
    public int remaining(long nowMs) {
        evict(nowMs);
        return limit - granted.size();
    }

    @Override
    public long nextFreeMs(long nowMs) {
        evict(nowMs);
        return granted.size() < limit ? nowMs : granted.peekFirst() + windowMs;
    }

    @Override
    public long resetMs(long nowMs) {
        evict(nowMs);
        return granted.isEmpty() ? nowMs : granted.peekFirst() + windowMs;
    }

    private void evict(long nowMs) {
        while (!granted.isEmpty() && granted.peekFirst() + windowMs <= nowMs) {
            granted.removeFirst();
        }
    }
}
