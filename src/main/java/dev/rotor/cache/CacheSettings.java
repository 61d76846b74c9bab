package dev.rotor.cache;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What Rotor keeps of the answers it was given: the result cache ({@code rotor.cache}, {@code off} or {@code on},
 * answers serving {@code rotor.cache.ttl}) and the journal ({@code rotor.journal}, {@code on} by default, each task's
 * answer recorded for {@code rotor.journal.ttl}), kept on this machine in {@code rotor.cache.dir} (at most
 * {@code rotor.cache.max-entries}) or, with {@code rotor.state=redis}, on Redis.
 */
public record CacheSettings(
        boolean on, Duration ttl, boolean journal, Duration journalTtl, Path folder, int maxEntries) {

    public static final int DEFAULT_MAX_ENTRIES = 100_000;
}
