package dev.rotor.models;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Locale;

/** Spending caps, each over a calendar window in UTC: at most so much per hour, per day, per month. */
public record Budget(List<Cap> caps) {

    public static final Budget NONE = new Budget(List.of());

    public Budget {
        caps = List.copyOf(caps);
    }

    /** At most {@code picoUsd} spent in each {@code window}. */
    public record Cap(long picoUsd, Window window) {
        public Cap {
            if (picoUsd < 0 || window == null) {
                throw new IllegalArgumentException("a budget needs a window and an amount not below zero");
            }
        }
    }

    /** A budget's calendar window, in UTC: it resets whole at its end. */
    public enum Window {
        HOUR,
        DAY,
        MONTH;

        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        public Instant start(Instant at) {
            ZonedDateTime t = at.atZone(ZoneOffset.UTC);
            ZonedDateTime start = switch (this) {
                case HOUR -> t.truncatedTo(ChronoUnit.HOURS);
                case DAY -> t.truncatedTo(ChronoUnit.DAYS);
                case MONTH -> t.truncatedTo(ChronoUnit.DAYS).withDayOfMonth(1);
            };
            return start.toInstant();
        }

        public Instant end(Instant at) {
            ZonedDateTime start = start(at).atZone(ZoneOffset.UTC);
            ZonedDateTime end = switch (this) {
                case HOUR -> start.plusHours(1);
                case DAY -> start.plusDays(1);
                case MONTH -> start.plusMonths(1);
            };
            return end.toInstant();
        }
    }

    public boolean declared() {
        return !caps.isEmpty();
    }
}
