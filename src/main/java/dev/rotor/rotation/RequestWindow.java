package dev.rotor.rotation;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Optional;

/** A declared quota ("n requests per window") tracked over a sliding window of the requests we sent. */
final class RequestWindow {

    private final int limit;
    private final Duration window;
    private final Deque<Instant> sent = new ArrayDeque<>();

    RequestWindow(int limit, Duration window) {
        this.limit = limit;
        this.window = window;
    }

    /** When the next request fits the quota: empty if it fits now. */
    Optional<Instant> nextFree(Instant now) {
        evict(now);
        return sent.size() < limit ? Optional.empty() : Optional.of(sent.peekFirst().plus(window));
    }

    void record(Instant now) {
        evict(now);
        sent.addLast(now);
    }

    private void evict(Instant now) {
        Instant horizon = now.minus(window);
        while (!sent.isEmpty() && !sent.peekFirst().isAfter(horizon)) {
            sent.removeFirst();
        }
    }
}
