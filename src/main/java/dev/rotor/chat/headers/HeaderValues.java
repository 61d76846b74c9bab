package dev.rotor.chat.headers;

import dev.rotor.models.Unit;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * Reads the values of one family's headers, never trusting them: a malformed or implausible value is reported to the
 * report's ignored list and left out.
 */
final class HeaderValues {

    /** Above this an epoch value is in milliseconds (OpenRouter), above {@link #EPOCH_SECONDS} in seconds. */
    private static final long EPOCH_MILLIS = 100_000_000_000L;
    /** 2001-09-09 in epoch seconds: below it a reset is a number of seconds from now. */
    private static final long EPOCH_SECONDS = 1_000_000_000L;

    private final String family;
    private final Function<String, String> header;
    private final Instant now;
    private final Duration cap;
    private final LimitReport.Builder out;
    /** The precision of the last reset read: 1 ms, or 1000 when it was given in whole seconds. */
    private long precisionMs = 1;

    /** @param cap the furthest ahead a reset of this family can plausibly be */
    HeaderValues(String family, Function<String, String> header, Instant now, Duration cap, LimitReport.Builder out) {
        this.family = family;
        this.header = header;
        this.now = now;
        this.cap = cap;
        this.out = out;
    }

    /** How precise the last reset read was, in ms: 1000 for whole seconds (Retry-After: 3, epoch seconds). */
    long precisionMs() {
        return precisionMs;
    }

    boolean has(String name) {
        String v = header.apply(name);
        return v != null && !v.isBlank();
    }

    String raw(String name) {
        String v = header.apply(name);
        return v == null || v.isBlank() ? null : v.strip();
    }

    /** A count: a whole number not below zero. */
    OptionalLong count(String name) {
        String v = raw(name);
        if (v == null) {
            return OptionalLong.empty();
        }
        OptionalLong n = countOf(v);
        if (n.isEmpty()) {
            out.ignore(family, name, v.startsWith("-") ? "negative" : "not_a_number");
        }
        return n;
    }

    static OptionalLong countOf(String v) {
        try {
            long n = new BigDecimal(v.strip()).longValueExact();
            return n < 0 ? OptionalLong.empty() : OptionalLong.of(n);
        } catch (NumberFormatException | ArithmeticException e) {
            return OptionalLong.empty();
        }
    }

    /** Drops a remaining count above its own limit: one of the two is wrong, and a wrong room is worse than none. */
    OptionalLong remainingWithin(String name, OptionalLong remaining, OptionalLong limit) {
        if (remaining.isPresent() && limit.isPresent() && remaining.getAsLong() > limit.getAsLong()) {
            out.ignore(family, name, "remaining_above_limit");
            return OptionalLong.empty();
        }
        return remaining;
    }

    /** A reset given as a number: epoch milliseconds, epoch seconds or seconds from now, told apart by size. */
    Optional<Instant> resetBySize(String name) {
        String v = raw(name);
        if (v == null) {
            return Optional.empty();
        }
        double n;
        try {
            n = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            out.ignore(family, name, "not_a_number");
            return Optional.empty();
        }
        if (n < 0 || Double.isNaN(n) || Double.isInfinite(n)) {
            out.ignore(family, name, n < 0 ? "negative" : "not_a_number");
            return Optional.empty();
        }
        precisionMs = n >= EPOCH_MILLIS || n != Math.rint(n) ? 1 : 1000;
        if (n >= EPOCH_MILLIS) {
            return ahead(name, Instant.ofEpochMilli((long) n), false);
        }
        if (n >= EPOCH_SECONDS) {
            return ahead(name, Instant.ofEpochMilli(Math.round(n * 1000)), false);
        }
        return ahead(name, now.plusMillis(Math.round(n * 1000)), true);
    }

    /** A reset given as a span from now in Go's duration text (OpenAI). */
    Optional<Instant> resetAfterGoDuration(String name) {
        String v = raw(name);
        if (v == null) {
            return Optional.empty();
        }
        Optional<Duration> d = goDuration(v);
        if (d.isEmpty()) {
            out.ignore(family, name, v.startsWith("-") ? "negative" : "not_a_number");
            return Optional.empty();
        }
        return ahead(name, now.plus(d.get()), true);
    }

    /** A reset given as an RFC 3339 date-time (Anthropic). */
    Optional<Instant> resetAtRfc3339(String name) {
        String v = raw(name);
        if (v == null) {
            return Optional.empty();
        }
        try {
            return ahead(name, OffsetDateTime.parse(v).toInstant(), false);
        } catch (DateTimeParseException e) {
            out.ignore(family, name, "not_a_date");
            return Optional.empty();
        }
    }

    /** Retry-After: seconds from now, or an HTTP date. */
    Optional<Instant> retryAfter(String name) {
        String v = raw(name);
        if (v == null) {
            return Optional.empty();
        }
        if (!looksNumeric(v)) {
            try {
                precisionMs = 1000;
                return ahead(
                        name,
                        ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME)
                                .toInstant(),
                        false);
            } catch (DateTimeParseException notADate) {
                out.ignore(family, name, "not_a_number");
                return Optional.empty();
            }
        }
        return spanFromNow(name, v, 1000);
    }

    /** A span from now in milliseconds (OpenAI's retry-after-ms). */
    Optional<Instant> afterMillis(String name) {
        String v = raw(name);
        return v == null ? Optional.empty() : spanFromNow(name, v, 1);
    }

    /** A number of units from now; its precision is a whole unit unless it has a fraction. */
    private Optional<Instant> spanFromNow(String name, String v, long unitMs) {
        double units;
        try {
            units = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            out.ignore(family, name, "not_a_number");
            return Optional.empty();
        }
        if (units < 0 || Double.isNaN(units) || Double.isInfinite(units)) {
            out.ignore(family, name, units < 0 ? "negative" : "not_a_number");
            return Optional.empty();
        }
        precisionMs = units == Math.rint(units) ? unitMs : 1;
        return ahead(name, now.plusMillis((long) Math.ceil(units * unitMs)), true);
    }

    private static boolean looksNumeric(String v) {
        char c = v.charAt(0);
        return Character.isDigit(c) || c == '-' || c == '+' || c == '.';
    }

    /**
     * One limit of a family whose reset is when the limit is whole again (OpenAI, Anthropic): its size, what remains,
     * its reset (read by {@code reset}) and the window the refill implies, added to the report if any is there.
     */
    void refilling(
            Unit unit,
            String limitName,
            String remainingName,
            String resetName,
            Function<String, Optional<Instant>> reset) {
        if (!has(limitName) && !has(remainingName) && !has(resetName)) {
            return;
        }
        OptionalLong limit = count(limitName);
        OptionalLong remaining = remainingWithin(remainingName, count(remainingName), limit);
        Optional<Instant> resetAt = reset.apply(resetName);
        out.signals.add(
                new LimitSignal(family, unit, limit, remaining, resetAt, refillWindow(limit, remaining, resetAt)));
    }

    /**
     * For families whose reset is when the limit is whole again (OpenAI, Anthropic): the window that refills
     * {@code limit} at the rate the used part refills by the reset.
     */
    Optional<Duration> refillWindow(OptionalLong limit, OptionalLong remaining, Optional<Instant> reset) {
        if (limit.isEmpty() || remaining.isEmpty() || reset.isEmpty() || remaining.getAsLong() >= limit.getAsLong()) {
            return Optional.empty();
        }
        long used = limit.getAsLong() - remaining.getAsLong();
        long toFull = Duration.between(now, reset.get()).toMillis();
        if (toFull <= 0) {
            return Optional.empty();
        }
        long window = Math.round((double) toFull * limit.getAsLong() / used);
        return Optional.of(Duration.ofMillis(Math.min(window, cap.toMillis())));
    }

    /**
     * A reset is only worth keeping while ahead (a span of zero means "now", a date gone by is stale); one further
     * ahead than the family allows is capped to that.
     */
    private Optional<Instant> ahead(String name, Instant at, boolean fromNow) {
        if (!at.isAfter(now)) {
            if (fromNow) {
                // a span of zero: "now"
                return Optional.of(now);
            }
            out.ignore(family, name, "reset_passed");
            return Optional.empty();
        }
        Instant furthest = now.plus(cap);
        if (at.isAfter(furthest)) {
            out.ignore(family, name, "reset_capped");
            return Optional.of(furthest);
        }
        return Optional.of(at);
    }

    static Optional<Duration> goDuration(String text) {
        return Durations.goDuration(text);
    }
}
