package dev.rotor.limits;

import java.time.Duration;
import java.util.List;

/** The windows one scope paces calls by now: declared quotas and the learned or announced limit. */
public record ScopePace(String scope, List<Quota> quotas) {

    public ScopePace {
        quotas = List.copyOf(quotas);
    }

    /** At most {@code requests} calls counted in any span of {@code window}. */
    public record Quota(int requests, Duration window) {
    }
}
