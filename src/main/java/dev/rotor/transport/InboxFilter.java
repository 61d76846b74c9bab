package dev.rotor.transport;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.task.TaskParser;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.Exchange;
import org.apache.camel.component.file.GenericFile;
import org.apache.camel.component.file.GenericFileFilter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes a task file only once it has sat unchanged for {@code minAge}: a file still being written is left for a later
 * poll instead of being read half-written, and the poll never sleeps on it (as Camel's "changed" read lock would). A
 * file the listing names but a task has since moved to .done is passed over by {@link InboxInProgress}, after this
 * filter: a look here, before the path is held, could not close that race.
 *
 * <p>A writer that pauses (a slow copy, a network share) leaves a file that has sat still for {@code minAge} and is
 * still half-written. So a file changed within {@code settle} is taken only once it reads as JSON; one that does not
 * stays in the inbox and is looked at again at the next poll, and it is taken as it is (and dead-lettered, if still not
 * JSON) only once it has stayed unchanged for {@code settle}.
 */
public final class InboxFilter implements GenericFileFilter<File> {

    private static final Logger LOG = LoggerFactory.getLogger(InboxFilter.class);
    private static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final Clock clock;
    private final long minAgeMillis;
    private final long settleMillis;
    /** Files left for not reading as JSON yet, with the modification time they had then: each is told of once. */
    private final Map<String, Long> unsettled = new ConcurrentHashMap<>();

    public InboxFilter(Clock clock, Duration minAge) {
        this(clock, minAge, Duration.ZERO);
    }

    /** @param settle how long a file that does not read as JSON must stay unchanged before it is taken as it is */
    public InboxFilter(Clock clock, Duration minAge, Duration settle) {
        this.clock = clock;
        this.minAgeMillis = minAge.toMillis();
        this.settleMillis = settle.toMillis();
    }

    /**
     * A file taken but gone before its task starts (removed by hand, or by another tool) is no task: the exchange stops
     * here instead of failing to read it.
     */
    public void skipIfGone(Exchange exchange) {
        String path = exchange.getIn().getHeader(Exchange.FILE_PATH, String.class);
        if (path != null && !Files.exists(Path.of(path))) {
            exchange.setRouteStop(true);
        }
    }

    @Override
    public boolean accept(GenericFile<File> file) {
        long now = clock.millis();
        return !file.isDirectory()
                && file.getFileNameOnly().endsWith(".json")
                && file.getLastModified() <= now - minAgeMillis
                && (settled(file.getFile(), now) || readsAsJson(file.getFile()));
    }

    /** Whether the file is left in the inbox now for not reading as JSON yet. */
    public boolean waitsFor(String fileName) {
        return unsettled.keySet().stream().anyMatch(p -> new File(p).getName().equals(fileName));
    }

    private boolean settled(File file, long now) {
        if (file.lastModified() > now - settleMillis) {
            return false;
        }
        unsettled.remove(file.getPath());
        return true;
    }

    private boolean readsAsJson(File file) {
        String path = file.getPath();
        try {
            if (file.length() > TaskParser.MAX_BYTES) {
                // the task's own check says what is wrong with it
                return true;
            }
            JsonNode read = JSON.readTree(Files.readAllBytes(file.toPath()));
            if (read == null || read.isMissingNode()) {
                throw new IOException("empty");
            }
            unsettled.remove(path);
            return true;
        } catch (IOException notYet) {
            if (!Long.valueOf(file.lastModified()).equals(unsettled.put(path, file.lastModified()))) {
                LOG.info(
                        "{} does not read as JSON yet ({}): left in the inbox until it stays unchanged for {} s",
                        file.getName(),
                        notYet.getClass().getSimpleName(),
                        settleMillis / 1000);
            }
            return false;
        }
    }
}
