package dev.rotor.output;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Where results and dead letters go, and how long a batch waits for an output that refuses them.
 *
 * @param transport {@code file}, {@code jms} or {@code kafka}
 * @param giveUp in batch mode, an output that refuses every outcome this long ends the run (exit 1)
 * @param results where results go, for a person to read in a log line
 * @param deadLetters where dead letters go, likewise
 */
public record OutputSettings(
        String transport, Path outbox, Path failed, Duration giveUp, Destination results, Destination deadLetters) {

    public static final Duration DEFAULT_GIVE_UP = Duration.ofMinutes(5);

    /** One place outcomes are sent to: what it is, and the setting that names it. */
    public record Destination(String place, String setting) {

        @Override
        public String toString() {
            return place + " (" + setting + ")";
        }
    }

    public boolean toFiles() {
        return "file".equals(transport);
    }
}
