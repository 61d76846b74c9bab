package dev.rotor.limits;

import java.time.Duration;
import java.util.Locale;

/** Writes a window for logs and tables: 1m, 2s, 1.25s, 1d. */
public final class Windows {

    private Windows() {}

    public static String text(Duration window) {
        long ms = window.toMillis();
        if (ms % 86_400_000 == 0) {
            return ms / 86_400_000 + "d";
        }
        if (ms % 3_600_000 == 0) {
            return ms / 3_600_000 + "h";
        }
        if (ms % 60_000 == 0) {
            return ms / 60_000 + "m";
        }
        if (ms % 1000 == 0) {
            return ms / 1000 + "s";
        }
        return String.format(Locale.ROOT, "%.2fs", ms / 1000.0);
    }
}
