package dev.rotor.cache;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * The result cache's settings: {@code rotor.cache} ({@code off} or {@code on}), how long an answer serves
 * ({@code rotor.cache.ttl}), and, kept on this machine, where and how many ({@code rotor.cache.dir},
 * {@code rotor.cache.max-entries}); with {@code rotor.state=redis} answers are kept on Redis instead.
 */
public record CacheSettings(boolean on, Duration ttl, Path folder, int maxEntries) {

    public static final CacheSettings OFF = new CacheSettings(false, Duration.ofDays(7), Path.of("work/cache"), 100_000);

    /** {@code off} or {@code on} (true and false are taken too). */
    public static boolean parseOn(String value) {
        return switch (value.strip().toLowerCase(Locale.ROOT)) {
            case "on", "true" -> true;
            case "off", "false" -> false;
            default -> throw new IllegalArgumentException("rotor.cache must be off or on, got '" + value.strip() + "'");
        };
    }
}
