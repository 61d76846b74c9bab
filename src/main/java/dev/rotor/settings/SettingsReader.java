package dev.rotor.settings;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import org.apache.camel.util.TimeUtils;

/**
 * Reads settings by their model: each value parsed as its kind, its default when it is unset or blank, and a mistake
 * refused with one line that names the key, what it must be and what it got ({@link IllegalArgumentException}, which
 * stops Rotor with exit 2).
 */
public final class SettingsReader {

    private final Function<String, Optional<String>> property;

    /** @param property a setting by its dotted name, through Camel's resolution (variables and -D included) */
    public SettingsReader(Function<String, Optional<String>> property) {
        this.property = property;
    }

    /** The value as written, or the default; empty when neither is set. */
    public String text(Setting s) {
        return property.apply(s.key())
                .map(String::strip)
                .filter(v -> !v.isEmpty())
                .orElse(s.defaultValue());
    }

    /** The value as written, if one is written (a setting with no default, such as a scenario file). */
    public Optional<String> given(Setting s) {
        return Optional.of(text(s)).filter(v -> !v.isEmpty());
    }

    public Path path(Setting s) {
        expect(s, Kind.PATH);
        return Path.of(text(s));
    }

    public boolean flag(Setting s) {
        expect(s, Kind.FLAG);
        return parsed(s, v -> {
            if (!v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false")) {
                throw new IllegalArgumentException(v);
            }
            return Boolean.parseBoolean(v);
        });
    }

    /** {@code on}, {@code off}; {@code true} and {@code false} are taken too. */
    public boolean on(Setting s) {
        expect(s, Kind.SWITCH);
        return parsed(s, v -> switch (v.toLowerCase(Locale.ROOT)) {
            case "on", "true" -> true;
            case "off", "false" -> false;
            default -> throw new IllegalArgumentException(v);
        });
    }

    /** A whole number of at least 1 ({@link Kind#COUNT}) or of at least 0 ({@link Kind#WHOLE}). */
    public int integer(Setting s) {
        int least = s.kind() == Kind.COUNT ? 1 : 0;
        if (s.kind() != Kind.COUNT && s.kind() != Kind.WHOLE) {
            throw new IllegalStateException(s.key() + " is not a whole number");
        }
        return parsed(s, v -> {
            int n = Integer.parseInt(v);
            if (n < least) {
                throw new IllegalArgumentException(v);
            }
            return n;
        });
    }

    public double number(Setting s) {
        expect(s, Kind.NUMBER);
        return parsed(s, Double::parseDouble);
    }

    /** A number from {@code least}, and below {@code below} when that is finite. */
    public double number(Setting s, double least, double below) {
        double n = number(s);
        if (n < least || n >= below) {
            String range = Double.isInfinite(below)
                    ? "a number, at least " + plain(least)
                    : "a number from " + plain(least) + " to below " + plain(below);
            throw new IllegalArgumentException(s.key() + " must be " + range + ", got '" + text(s) + "'");
        }
        return n;
    }

    /** Durations as Camel writes them: 500 (ms), 30s, 10m, 1h, 1h30m; never negative. */
    public Duration duration(Setting s) {
        expect(s, Kind.DURATION);
        return parsed(s, v -> {
            Duration d = Duration.ofMillis(TimeUtils.toMilliSeconds(v));
            if (d.isNegative()) {
                throw new IllegalArgumentException(v);
            }
            return d;
        });
    }

    /** A duration that must be more than zero. */
    public Duration positiveDuration(Setting s) {
        Duration d = duration(s);
        if (d.isZero()) {
            throw new IllegalArgumentException(s.key() + " must be more than zero, got '" + text(s) + "'");
        }
        return d;
    }

    /**
     * Milliseconds as a plain number, for settings Camel's HTTP component reads too: it takes no unit, so Rotor takes
     * none either and both read the same value.
     */
    public Duration millis(Setting s) {
        expect(s, Kind.MILLIS);
        return parsed(s, v -> {
            long ms = Long.parseLong(v);
            if (ms <= 0) {
                throw new IllegalArgumentException(v);
            }
            return Duration.ofMillis(ms);
        });
    }

    /** Sizes: 4096 (bytes), 512KiB, 4MiB. */
    public long bytes(Setting s) {
        expect(s, Kind.SIZE);
        return parsed(s, v -> {
            long unit = v.endsWith("MiB") ? 1024 * 1024 : v.endsWith("KiB") ? 1024 : 1;
            String digits = unit == 1 ? v : v.substring(0, v.length() - 3).strip();
            return Long.parseLong(digits) * unit;
        });
    }

    /** An amount of USD, never negative; empty when unset. */
    public Optional<BigDecimal> usd(Setting s) {
        expect(s, Kind.USD);
        if (text(s).isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(parsed(s, v -> {
            BigDecimal usd = new BigDecimal(v);
            if (usd.signum() < 0) {
                throw new IllegalArgumentException(v);
            }
            return usd;
        }));
    }

    /** One of the setting's choices, in lower case. */
    public String choice(Setting s) {
        expect(s, Kind.CHOICE);
        String v = text(s).toLowerCase(Locale.ROOT);
        if (!s.choices().contains(v)) {
            throw new IllegalArgumentException(
                    s.key() + " must be " + Setting.either(s.choices()) + ", got '" + text(s) + "'");
        }
        return v;
    }

    private static String plain(double n) {
        return n == Math.rint(n) ? String.valueOf((long) n) : String.valueOf(n);
    }

    private static void expect(Setting s, Kind kind) {
        if (s.kind() != kind) {
            throw new IllegalStateException(s.key() + " is " + s.kind() + ", read as " + kind);
        }
    }

    private <T> T parsed(Setting s, Function<String, T> parse) {
        String v = text(s);
        try {
            return parse.apply(v);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(s.key() + " must be " + s.kind().expected() + ", got '" + v + "'");
        }
    }
}
