package dev.rotor.chat.headers;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as providers write them: Go's time.Duration text (OpenAI's resets, Google's retryDelay). */
public final class Durations {

    /** 6m0s, 1s, 20ms, 1m30.5s, 2h, 26s, 0.2s. */
    private static final Pattern GO_DURATION_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|us|µs|ns|h|m|s)");

    private Durations() {}

    public static Optional<Duration> goDuration(String text) {
        String v = text.strip();
        Matcher m = GO_DURATION_PART.matcher(v);
        int at = 0;
        double nanos = 0;
        while (m.find() && m.start() == at) {
            double amount = Double.parseDouble(m.group(1));
            nanos += amount
                    * switch (m.group(2)) {
                        case "h" -> 3_600e9;
                        case "m" -> 60e9;
                        case "s" -> 1e9;
                        case "ms" -> 1e6;
                        case "us", "µs" -> 1e3;
                        default -> 1;
                    };
            at = m.end();
        }
        if (at == 0 || at != v.length()) {
            return Optional.empty();
        }
        return Optional.of(Duration.ofNanos(Math.round(nanos)));
    }
}
