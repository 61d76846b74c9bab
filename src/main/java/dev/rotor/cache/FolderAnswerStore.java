package dev.rotor.cache;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers kept as one file a key in a folder under the work folder, so they survive a restart. At most
 * {@code maxEntries} are kept: the oldest go first. Files are written to a temporary name and renamed, so a crash
 * leaves a whole answer or none.
 */
public final class FolderAnswerStore implements AnswerStore {

    private static final Logger LOG = LoggerFactory.getLogger(FolderAnswerStore.class);
    private static final String SUFFIX = ".json";

    private final Path folder;
    private final int maxEntries;
    private final ObjectMapper json;
    /** The keys kept, oldest first: a miss is answered without touching the disk. */
    private final LinkedHashMap<String, Boolean> keys = new LinkedHashMap<>();

    public FolderAnswerStore(Path folder, int maxEntries, ObjectMapper json) {
        this.folder = folder;
        this.maxEntries = maxEntries;
        this.json = json;
        load();
    }

    private void load() {
        try {
            Files.createDirectories(folder);
            try (Stream<Path> files = Files.list(folder)) {
                files.filter(f -> f.getFileName().toString().endsWith(SUFFIX))
                        .sorted(Comparator.comparing(FolderAnswerStore::modified))
                        .forEach(f -> keys.put(keyOf(f), Boolean.TRUE));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the cache folder " + folder + " (rotor.cache.dir)", e);
        }
        evictOverBound();
    }

    @Override
    public Optional<CachedAnswer> find(String key) {
        synchronized (keys) {
            if (!keys.containsKey(key)) {
                return Optional.empty();
            }
        }
        try {
            return Optional.of(json.readValue(fileOf(key).toFile(), CachedAnswer.class));
        } catch (IOException e) {
            // gone under us, or half a file from another tool: a miss, and the key forgotten
            forget(key);
            return Optional.empty();
        }
    }

    @Override
    public void keep(String key, CachedAnswer answer) {
        Path file = fileOf(key);
        Path temp = folder.resolve(".tmp-" + key + "-" + Thread.currentThread().getId());
        try {
            json.writeValue(temp.toFile(), answer);
            try {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            // the answer is delivered all the same; only a later task that asks the same will call again
            LOG.warn("cannot keep an answer in {} (rotor.cache.dir): {}", folder, e.toString());
            return;
        }
        synchronized (keys) {
            keys.remove(key);
            keys.put(key, Boolean.TRUE);
        }
        evictOverBound();
    }

    /** Forgets an answer (past its time to live). */
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

    private void evictOverBound() {
        while (true) {
            String oldest;
            synchronized (keys) {
                if (keys.size() <= maxEntries) {
                    return;
                }
                Map.Entry<String, Boolean> first = keys.entrySet().iterator().next();
                oldest = first.getKey();
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
