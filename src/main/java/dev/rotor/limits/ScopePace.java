package dev.rotor.limits;

import java.time.Duration;
import java.util.List;

import dev.rotor.models.Unit;

/** The windows one scope paces calls by now: declared quotas (in the provider's fixed windows once they are known) and the learned or announced limit. */
public record ScopePace(String scope, List<Quota> quotas) {

    public ScopePace {
        quotas = List.copyOf(quotas);
    }

    /**
     * At most {@code amount} of the unit counted in any span of {@code window}; or, when {@code windowStartMs} is known
     * (not {@link Long#MIN_VALUE}), in the provider's fixed window that began then.
     */
    public record Quota(Unit unit, long amount, Duration window, long windowStartMs) {

        public boolean fixed() {
            return windowStartMs != Long.MIN_VALUE;
        }
    }
}
