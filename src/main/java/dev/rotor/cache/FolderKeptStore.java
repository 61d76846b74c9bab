package dev.rotor.cache;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records kept as one file a key in a folder under the work folder, so they survive a restart: the first line is when
 * the record expires (epoch ms), the rest is the record. At most {@code maxEntries} are kept: the oldest go first.
 * Files are written to a temporary name and renamed, so a crash leaves a whole record or none.
 */
public final class FolderKeptStore implements KeptStore {

    private static final Logger LOG = LoggerFactory.getLogger(FolderKeptStore.class);
    private static final String SUFFIX = ".kept";

    private final Path folder;
    private final int maxEntries;
    private final Clock clock;
    /** The keys kept, oldest first: a miss is answered without touching the disk. Guards claims too. */
    private final LinkedHashMap<String, Boolean> keys = new LinkedHashMap<>();

    public FolderKeptStore(Path folder, int maxEntries, Clock clock) {
        this.folder = folder;
        this.maxEntries = maxEntries;
        this.clock = clock;
        load();
    }

    private void load() {
        try {
            Files.createDirectories(folder);
            try (Stream<Path> files = Files.list(folder)) {
                files.filter(f -> f.getFileName().toString().endsWith(SUFFIX))
                        .sorted(Comparator.comparing(FolderKeptStore::modified))
                        .forEach(f -> keys.put(keyOf(f), Boolean.TRUE));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use the cache folder " + folder + " (rotor.cache.dir)", e);
        }
        evictOverBound();
    }

    /**
     * Read under the lock, so that a record found expired and deleted here cannot be one another thread kept just after
     * this one read: a few KB from the page cache, tens of microseconds.
     */
    @Override
    public Optional<String> find(String key) {
        synchronized (keys) {
            if (!keys.containsKey(key)) {
                return Optional.empty();
            }
            try {
                String text = Files.readString(fileOf(key), StandardCharsets.UTF_8);
                int line = text.indexOf('\n');
                if (line > 0 && Long.parseLong(text.substring(0, line)) > clock.millis()) {
                    return Optional.of(text.substring(line + 1));
                }
            } catch (IOException | NumberFormatException e) {
                // gone under us, or half a file from another tool: a miss
            }
            forget(key);
            return Optional.empty();
        }
    }

    @Override
    public void keep(String key, String record, Duration ttl) {
        synchronized (keys) {
            if (write(key, record, ttl)) {
                keys.remove(key);
                keys.put(key, Boolean.TRUE);
            }
        }
        evictOverBound();
    }

    @Override
    public boolean claim(String key, String record, Duration ttl) {
        synchronized (keys) {
            if (find(key).isPresent()) {
                return false;
            }
            keep(key, record, ttl);
            return true;
        }
    }

    @Override
    public void forget(String key) {
        synchronized (keys) {
            keys.remove(key);
        }
        delete(fileOf(key));
    }

    @Override
    public long size() {
        synchronized (keys) {
            return keys.size();
        }
    }

    private boolean write(String key, String record, Duration ttl) {
        Path temp = folder.resolve(".tmp-" + key + "-" + Thread.currentThread().getId());
        try {
            Files.writeString(temp, (clock.millis() + ttl.toMillis()) + "\n" + record, StandardCharsets.UTF_8);
            try {
                Files.move(temp, fileOf(key), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, fileOf(key), StandardCopyOption.REPLACE_EXISTING);
            }
            return true;
        } catch (IOException e) {
            // the task's outcome is delivered all the same; only a later task that asks the same will call again
            LOG.warn("cannot keep a record in {} (rotor.cache.dir): {}", folder, e.toString());
            return false;
        }
    }

    private void evictOverBound() {
        while (true) {
            String oldest;
            synchronized (keys) {
                if (keys.size() <= maxEntries) {
                    return;
                }
                oldest = keys.keySet().iterator().next();
                keys.remove(oldest);
            }
            delete(fileOf(oldest));
        }
    }

    private Path fileOf(String key) {
        return folder.resolve(key + SUFFIX);
    }

    private static String keyOf(Path file) {
        String name = file.getFileName().toString();
        return name.substring(0, name.length() - SUFFIX.length());
    }

    private static FileTime modified(Path file) {
        try {
            return Files.getLastModifiedTime(file);
        } catch (IOException e) {
            return FileTime.fromMillis(0);
        }
    }

    private static void delete(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (NoSuchFileException gone) {
            // another thread got there first
        } catch (IOException e) {
            LOG.warn("cannot delete {} from the cache folder: {}", file, e.toString());
        }
    }
}
