package dev.rotor.camel;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;

import org.apache.camel.Exchange;
import org.apache.camel.component.file.GenericFile;
import org.apache.camel.component.file.GenericFileFilter;

/**
 * Takes a task file only once it has sat unchanged for {@code minAge}: a file still being written is left for a later
 * poll instead of being read half-written, and the poll never sleeps on it (as Camel's "changed" read lock would).
 * It also passes over a file that is no longer there: a poll lists the whole folder first, and a task of the poll
 * before may finish and move its file to .done while that listing is being worked through.
 */
public final class InboxFilter implements GenericFileFilter<File> {

    private final Clock clock;
    private final long minAgeMillis;

    public InboxFilter(Clock clock, Duration minAge) {
        this.clock = clock;
        this.minAgeMillis = minAge.toMillis();
    }

    /**
     * The same race, narrowed by {@link #accept} but not closed by it (the file can go between the filter and the
     * task's start): such an exchange stops here instead of doing the task a second time.
     */
    public void skipIfGone(Exchange exchange) {
        String path = exchange.getIn().getHeader(Exchange.FILE_PATH, String.class);
        if (path != null && !Files.exists(Path.of(path))) {
            exchange.setRouteStop(true);
        }
    }

    @Override
    public boolean accept(GenericFile<File> file) {
        return !file.isDirectory() && file.getFileNameOnly().endsWith(".json")
                && file.getLastModified() <= clock.millis() - minAgeMillis && file.getFile().exists();
    }
}
