package dev.rotor.models;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.camel.util.TimeUtils;

/**
 * The limits, prices and budgets models.yaml declares on a model, a limit group or a provider, read from their YAML
 * shapes with a message that says where and what is wrong. Each throws IllegalArgumentException; the loader adds where.
 */
final class Declarations {

    /** The flat keys: shorthands for a quota of one unit per minute or per day, and one quota over any window. */
    record FlatLimits(
            @JsonProperty("requests-per-minute") long requestsPerMinute,
            @JsonProperty("requests-per-day") long requestsPerDay,
            @JsonProperty("tokens-per-minute") long tokensPerMinute,
            @JsonProperty("tokens-per-day") long tokensPerDay,
            @JsonProperty("input-tokens-per-minute") long inputTokensPerMinute,
            @JsonProperty("output-tokens-per-minute") long outputTokensPerMinute,
            long requests,
            String per) {}

    record PriceDoc(
            @JsonProperty("input-per-million") BigDecimal inputPerMillion,
            @JsonProperty("output-per-million") BigDecimal outputPerMillion,
            @JsonProperty("per-request") BigDecimal perRequest) {}

    record BudgetDoc(
            @JsonProperty("usd-per-hour") BigDecimal usdPerHour,
            @JsonProperty("usd-per-day") BigDecimal usdPerDay,
            @JsonProperty("usd-per-month") BigDecimal usdPerMonth) {}

    private Declarations() {}

    /** The flat keys and the {@code limits:} list together; every quota is one unit over one window. */
    static RateLimits limits(FlatLimits flat, List<Map<String, Object>> list) {
        List<RateLimits.Quota> quotas = new ArrayList<>();
        if (flat.requestsPerMinute() < 0
                || flat.requestsPerDay() < 0
                || flat.requests() < 0
                || flat.tokensPerMinute() < 0
                || flat.tokensPerDay() < 0
                || flat.inputTokensPerMinute() < 0
                || flat.outputTokensPerMinute() < 0) {
            throw new IllegalArgumentException("rate limits must not be negative");
        }
        add(quotas, Unit.REQUESTS, flat.requestsPerMinute(), Duration.ofMinutes(1));
        add(quotas, Unit.REQUESTS, flat.requestsPerDay(), Duration.ofDays(1));
        add(quotas, Unit.TOKENS, flat.tokensPerMinute(), Duration.ofMinutes(1));
        add(quotas, Unit.TOKENS, flat.tokensPerDay(), Duration.ofDays(1));
        add(quotas, Unit.INPUT_TOKENS, flat.inputTokensPerMinute(), Duration.ofMinutes(1));
        add(quotas, Unit.OUTPUT_TOKENS, flat.outputTokensPerMinute(), Duration.ofMinutes(1));
        if (flat.requests() > 0 || flat.per() != null) {
            if (flat.requests() == 0) {
                throw new IllegalArgumentException(
                        "'per: " + flat.per() + "' needs 'requests' (how many calls per " + flat.per() + ")");
            }
            quotas.add(RateLimits.Quota.requests(flat.requests(), window("requests: " + flat.requests(), flat.per())));
        }
        if (list != null) {
            for (int i = 0; i < list.size(); i++) {
                quotas.add(listed(list.get(i), "limits[" + i + "]"));
            }
        }
        return new RateLimits(quotas);
    }

    /** One entry of a {@code limits:} list: exactly one unit key and its {@code per}. */
    private static RateLimits.Quota listed(Map<String, Object> entry, String where) {
        if (entry == null) {
            throw new IllegalArgumentException(where + " is empty");
        }
        Unit unit = null;
        Object amount = null;
        for (Map.Entry<String, Object> e : entry.entrySet()) {
            if (e.getKey().equals("per")) {
                continue;
            }
            Unit u = Unit.ofLabel(e.getKey())
                    .orElseThrow(() -> new IllegalArgumentException(where + ": unknown key '" + e.getKey()
                            + "' (write one of requests, tokens, input-tokens, output-tokens, and per)"));
            if (unit != null) {
                throw new IllegalArgumentException(where + " counts both " + unit.label() + " and " + u.label()
                        + ": give each unit a quota of its own");
            }
            unit = u;
            amount = e.getValue();
        }
        if (unit == null) {
            throw new IllegalArgumentException(where + " needs one of requests, tokens, input-tokens, output-tokens");
        }
        long n = wholeNumber(amount, where + "." + unit.label());
        Object per = entry.get("per");
        Duration window = window(where + " " + unit.label() + ": " + n, per == null ? null : per.toString());
        return new RateLimits.Quota(unit, n, window);
    }

    private static long wholeNumber(Object value, String where) {
        if (value instanceof Integer || value instanceof Long) {
            long n = ((Number) value).longValue();
            if (n > 0) {
                return n;
            }
        }
        throw new IllegalArgumentException(where + " must be a whole number above 0, got '" + value + "'");
    }

    private static void add(List<RateLimits.Quota> quotas, Unit unit, long amount, Duration per) {
        if (amount > 0) {
            quotas.add(new RateLimits.Quota(unit, amount, per));
        }
    }

    private static Duration window(String what, String per) {
        if (per == null || per.isBlank()) {
            throw new IllegalArgumentException("'" + what + "' needs 'per', the window: 2s, 500ms, 1m, 1h");
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

    static Optional<Price> price(PriceDoc doc) {
        if (doc == null) {
            return Optional.empty();
        }
        if (doc.inputPerMillion() == null || doc.outputPerMillion() == null) {
            throw new IllegalArgumentException("price needs input-per-million and output-per-million (USD per million"
                    + " tokens; 0 for a model that costs nothing)");
        }
        return Optional.of(new Price(
                perToken(doc.inputPerMillion(), "input-per-million"),
                perToken(doc.outputPerMillion(), "output-per-million"),
                doc.perRequest() == null ? 0 : usd(doc.perRequest(), "per-request")));
    }

    private static long perToken(BigDecimal perMillion, String key) {
        return usd(perMillion, key) / 1_000_000;
    }

    private static long usd(BigDecimal value, String key) {
        if (value.signum() < 0) {
            throw new IllegalArgumentException("price " + key + " must not be negative, got " + value);
        }
        return Money.picoUsd(value);
    }

    static Budget budget(BudgetDoc doc) {
        if (doc == null) {
            return Budget.NONE;
        }
        List<Budget.Cap> caps = new ArrayList<>();
        cap(caps, doc.usdPerHour(), Budget.Window.HOUR);
        cap(caps, doc.usdPerDay(), Budget.Window.DAY);
        cap(caps, doc.usdPerMonth(), Budget.Window.MONTH);
        if (caps.isEmpty()) {
            throw new IllegalArgumentException("budget needs usd-per-hour, usd-per-day or usd-per-month");
        }
        return new Budget(caps);
    }

    private static void cap(List<Budget.Cap> caps, BigDecimal usd, Budget.Window window) {
        if (usd == null) {
            return;
        }
        if (usd.signum() < 0) {
            throw new IllegalArgumentException(
                    "budget usd-per-" + window.label() + " must not be negative, got " + usd);
        }
        caps.add(new Budget.Cap(Money.picoUsd(usd), window));
    }
}
