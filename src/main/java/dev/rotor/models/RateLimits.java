package dev.rotor.models;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.apache.camel.util.TimeUtils;

/** The quotas a provider declares for a model or a limit group; none means "not declared". */
public record RateLimits(List<Quota> quotas) {

    public static final RateLimits NONE = new RateLimits(List.of());

    /** At most {@code requests} calls in any span of {@code per}. */
    public record Quota(int requests, Duration per) {
        public Quota {
            if (requests <= 0 || per == null || per.isZero() || per.isNegative()) {
                throw new IllegalArgumentException("a quota needs requests > 0 per a positive duration");
            }
        }
    }

    public RateLimits {
        quotas = List.copyOf(quotas);
    }

    /**
     * The limits as models.yaml writes them: per minute, per day, and any window ("requests: 30, per: 2s" for
     * providers with other windows, and for time-compressed benchmarks). 0 or absent means not declared.
     */
    public static RateLimits of(int requestsPerMinute, int requestsPerDay, int requests, String per) {
        if (requestsPerMinute < 0 || requestsPerDay < 0 || requests < 0) {
            throw new IllegalArgumentException("rate limits must not be negative");
        }
        List<Quota> quotas = new ArrayList<>();
        if (requestsPerMinute > 0) {
            quotas.add(new Quota(requestsPerMinute, Duration.ofMinutes(1)));
        }
        if (requestsPerDay > 0) {
            quotas.add(new Quota(requestsPerDay, Duration.ofDays(1)));
        }
        if (requests > 0 || per != null) {
            quotas.add(new Quota(requests, window(requests, per)));
        }
        return new RateLimits(quotas);
    }

    private static Duration window(int requests, String per) {
        if (requests == 0) {
            throw new IllegalArgumentException("'per: " + per + "' needs 'requests' (how many calls per " + per + ")");
        }
        if (per == null || per.isBlank()) {
            throw new IllegalArgumentException("'requests: " + requests + "' needs 'per', the window: 2s, 500ms, 1m, 1h");
        }
        long millis;
        try {
            millis = TimeUtils.toMilliSeconds(per.strip());
        } catch (RuntimeException notADuration) {
            throw new IllegalArgumentException("'per' is not a duration: '" + per + "' (write 2s, 500ms, 1m, 1h)");
        }
        if (millis <= 0) {
            throw new IllegalArgumentException("'per' must be a positive duration, got '" + per + "'");
        }
        return Duration.ofMillis(millis);
    }

    public boolean declared() {
        return !quotas.isEmpty();
    }
}
