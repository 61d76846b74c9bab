package dev.rotor.limits;

import dev.rotor.models.Unit;
import java.time.Duration;
import java.util.List;

/**
 * The windows one scope paces calls by now: declared request quotas (in the provider's fixed windows once they are
 * known), the learned or announced request limit, and the token buckets (declared, or told by the provider).
 */
public record ScopePace(String scope, List<Quota> quotas, List<Bucket> buckets) {

    public ScopePace {
        quotas = List.copyOf(quotas);
        buckets = List.copyOf(buckets);
    }

    public ScopePace(String scope, List<Quota> quotas) {
        this(scope, quotas, List.of());
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

    /**
     * A token bucket of {@code capacity} tokens of the unit, refilled whole over {@code window}. {@code name} tells one
     * bucket of the scope from another, and stays the same while a told bucket's refill rate is learned.
     */
    public record Bucket(String name, Unit unit, long capacity, Duration window) {

        /** What a call that needs {@code need} keeps free besides, for what its estimate may miss. */
        public long margin(long need) {
            return TokenBucketPace.margin(need);
        }
    }
}
