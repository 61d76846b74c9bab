package dev.rotor.models;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The quotas declared for a model, a limit group or a provider; none means "not declared". */
public record RateLimits(List<Quota> quotas) {

    public static final RateLimits NONE = new RateLimits(List.of());

    /** At most {@code amount} of {@code unit} (calls or tokens) counted in any span of {@code per}. */
    public record Quota(Unit unit, long amount, Duration per) {
        public Quota {
            if (unit == null || amount <= 0 || per == null || per.isZero() || per.isNegative()) {
                throw new IllegalArgumentException("a quota needs a unit, an amount > 0 and a positive duration");
            }
        }

        public static Quota requests(long amount, Duration per) {
            return new Quota(Unit.REQUESTS, amount, per);
        }

        @Override
        public String toString() {
            return amount + " " + unit.label() + " per " + per;
        }
    }

    public RateLimits {
        quotas = List.copyOf(quotas);
    }

    public boolean declared() {
        return !quotas.isEmpty();
    }

    /** The quotas of one unit. */
    public List<Quota> of(Unit unit) {
        List<Quota> of = new ArrayList<>(quotas.size());
        for (Quota q : quotas) {
            if (q.unit() == unit) {
                of.add(q);
            }
        }
        return of;
    }

    /** Whether any quota counts tokens. */
    public boolean countsTokens() {
        return quotas.stream().anyMatch(q -> q.unit().isTokens());
    }
}
