package dev.rotor.camel;

import java.io.File;
import java.time.Clock;
import java.time.Duration;

import org.apache.camel.component.file.GenericFile;
import org.apache.camel.component.file.GenericFileFilter;

/**
 * Takes a task file only once it has sat unchanged for {@code minAge}: a file still being written is left for a later
 * poll instead of being read half-written, and the poll never sleeps on it (as Camel's "changed" read lock would).
 */
public final class InboxFilter implements GenericFileFilter<File> {

    private final Clock clock;
    private final long minAgeMillis;

    public InboxFilter(Clock clock, Duration minAge) {
        this.clock = clock;
        this.minAgeMillis = minAge.toMillis();
    }

    @Override
    public boolean accept(GenericFile<File> file) {
        return !file.isDirectory() && file.getFileNameOnly().endsWith(".json")
                && file.getLastModified() <= clock.millis() - minAgeMillis;
    }
}
