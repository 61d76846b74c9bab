package dev.rotor.limits;

import java.time.Duration;
import java.util.List;

/** The windows one scope paces calls by now: declared quotas (in the provider's fixed windows once they are known) and the learned or announced limit. */
public record ScopePace(String scope, List<Quota> quotas) {

    public ScopePace {
        quotas = List.copyOf(quotas);
    }

    /**
     * At most {@code requests} calls counted in any span of {@code window}; or, when {@code windowStartMs} is known
     * (not {@link Long#MIN_VALUE}), in the provider's fixed window that began then.
     */
    public record Quota(int requests, Duration window, long windowStartMs) {

        public boolean fixed() {
            return windowStartMs != Long.MIN_VALUE;
        }
    }
}
