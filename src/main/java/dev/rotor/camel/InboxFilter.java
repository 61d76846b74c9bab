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
 */
public final class InboxFilter implements GenericFileFilter<File> {

    private final Clock clock;
    private final long minAgeMillis;

    public InboxFilter(Clock clock, Duration minAge) {
        this.clock = clock;
        this.minAgeMillis = minAge.toMillis();
    }

    /**
     * A file listed by one poll may have been finished and moved away by a task of the poll before: such an exchange
     * stops here, quietly, instead of failing to read a file that is already done.
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
                && file.getLastModified() <= clock.millis() - minAgeMillis;
    }
}
