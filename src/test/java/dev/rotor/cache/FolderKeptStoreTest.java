package dev.rotor.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.support.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FolderKeptStoreTest {

    private static final Duration TTL = Duration.ofHours(1);

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-02T00:00:00Z"));

    @Test
    void shouldKeepRecordsAcrossARestartAndForgetTheOldestPastItsBound() {
        FolderKeptStore store = new FolderKeptStore(dir, 3, clock);
        for (int i = 0; i < 4; i++) {
            store.keep("k" + i, "record " + i + "\nof two lines", TTL);
        }
        assertThat(store.size()).isEqualTo(3);
        assertThat(store.find("k0")).isEmpty();

        FolderKeptStore restarted = new FolderKeptStore(dir, 3, clock);
        assertThat(restarted.size()).isEqualTo(3);
        assertThat(restarted.find("k3")).hasValue("record 3\nof two lines");
        assertThat(new FolderKeptStore(dir, 1, clock).size())
                .as("a smaller bound at start")
                .isEqualTo(1);
    }

    @Test
    void shouldForgetARecordPastItsTimeToLive() {
        FolderKeptStore store = new FolderKeptStore(dir, 10, clock);
        store.keep("k", "r", TTL);
        clock.advance(TTL.minusSeconds(1));
        assertThat(store.find("k")).hasValue("r");
        clock.advance(Duration.ofSeconds(1));
        assertThat(store.find("k")).isEmpty();
        assertThat(store.size()).isZero();
    }

    @Test
    void shouldLetOnlyTheFirstClaimAKey() {
        FolderKeptStore store = new FolderKeptStore(dir, 10, clock);
        assertThat(store.claim("k", "first", TTL)).isTrue();
        assertThat(store.claim("k", "second", TTL)).isFalse();
        assertThat(store.find("k")).hasValue("first");
        store.forget("k");
        assertThat(store.claim("k", "third", TTL)).isTrue();
    }

    @Test
    void shouldTreatAFileItCannotReadAsAMiss() throws Exception {
        FolderKeptStore store = new FolderKeptStore(dir, 10, clock);
        store.keep("k", "whole", TTL);
        Files.writeString(dir.resolve("k.kept"), "not a time\nwhole");
        assertThat(store.find("k")).isEmpty();
        assertThat(store.size()).isZero();
    }
}
