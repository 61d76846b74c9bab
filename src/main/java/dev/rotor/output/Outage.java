package dev.rotor.output;

import java.time.Duration;
import java.time.Instant;

/** An output refusing outcomes since a moment; says when it is time to warn about it again. */
final class Outage {

    private final Instant since;
    private final Duration warnEvery;
    private Instant warnedAt;

    Outage(Instant since, Duration warnEvery) {
        this.since = since;
        this.warnEvery = warnEvery;
    }

    Instant since() {
        return since;
    }

    /** True for the first refusal and then at most once every {@code warnEvery}; counts as warned when true. */
    synchronized boolean warnNow(Instant now) {
        if (warnedAt != null && Duration.between(warnedAt, now).compareTo(warnEvery) < 0) {
            return false;
        }
        warnedAt = now;
        return true;
    }
}
