package dev.rotor.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.support.MutableClock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalFileTest {

    private static final Duration TTL = Duration.ofHours(1);

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-02T00:00:00Z"));

    @Test
    void shouldFindTheLatestRecordOfAKeyAfterARestartAndSkipALineACrashCut() throws Exception {
        Path file = dir.resolve("journal.log");
        JournalFile journal = new JournalFile(file, 100, clock);
        journal.keep("a", "{\"content\":\"first\"}", TTL);
        journal.keep("b", "{\"content\":\"tab\\tand \\\\n inside\"}", TTL);
        journal.keep("a", "{\"content\":\"second\"}", TTL);
        // a kill -9 in the middle of a line
        Files.writeString(file, "99999999999999\tc\t{\"cont", StandardOpenOption.APPEND);

        JournalFile restarted = new JournalFile(file, 100, clock);
        assertThat(restarted.find("a")).hasValue("{\"content\":\"second\"}");
        assertThat(restarted.find("b")).hasValue("{\"content\":\"tab\\tand \\\\n inside\"}");
        assertThat(restarted.find("c")).isEmpty();
        assertThat(restarted.size()).isEqualTo(2);
        restarted.keep("d", "{}", TTL);
        assertThat(new JournalFile(file, 100, clock).find("d")).hasValue("{}");
    }

    @Test
    void shouldForgetARecordPastItsTimeToLiveAndCompactToTheLiveOnes() throws Exception {
        Path file = dir.resolve("journal.log");
        JournalFile journal = new JournalFile(file, 3, clock);
        journal.keep("old", "{\"n\":0}", Duration.ofMinutes(1));
        clock.advance(Duration.ofMinutes(1));
        assertThat(journal.find("old")).isEmpty();
        for (int i = 1; i <= 4; i++) {
            journal.keep("k" + i, "{\"n\":" + i + "}", TTL);
        }
        // past its bound of 3: the oldest are forgotten; after as many appends again the live ones were copied to a
        // new file (the expired one left out), and k4 appended to it
        assertThat(journal.size()).isEqualTo(3);
        assertThat(journal.find("k1")).isEmpty();
        assertThat(Files.readAllLines(file)).hasSize(4).noneMatch(line -> line.contains("\told\t"));
        assertThat(new JournalFile(file, 3, clock).find("k4")).hasValue("{\"n\":4}");
    }
}
