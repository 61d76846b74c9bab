package dev.rotor.cache;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records appended to one file, one line each ({@code expiresMs TAB key TAB record}), with the offset of each key's
 * latest line in memory: a record costs one write, and a lookup that finds nothing touches no disk. The journal is
 * written for every task and read only for a task that comes again, so this is its shape; one file a record would cost
 * a file's creation per task. At most {@code maxEntries} keys are indexed (the oldest go first); once as many lines
 * again have been appended, the live ones are copied to a new file, which replaces the old one by a rename. Records
 * must be one line (JSON as Jackson writes it). Not synced to disk: a power cut may lose the last lines.
 */
public final class JournalFile implements KeptStore {

    private static final Logger LOG = LoggerFactory.getLogger(JournalFile.class);

    private record Line(long offset, int length, long expiresMs) {}

    private final Path file;
    private final int maxEntries;
    private final Clock clock;
    private final LinkedHashMap<String, Line> index = new LinkedHashMap<>();
    private FileChannel channel;
    private long end;
    private int appendedSinceCompaction;

    public JournalFile(Path file, int maxEntries, Clock clock) {
        this.file = file;
        this.maxEntries = maxEntries;
        this.clock = clock;
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            if (Files.exists(file)) {
                load();
            }
            compact();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot use the journal " + file + " (rotor.cache.dir)", e);
        }
    }

    @Override
    public synchronized Optional<String> find(String key) {
        Line line = index.get(key);
        if (line == null) {
            return Optional.empty();
        }
        if (line.expiresMs() <= clock.millis()) {
            index.remove(key);
            return Optional.empty();
        }
        try {
            return Optional.of(recordOf(read(channel, line)));
        } catch (IOException e) {
            LOG.warn("cannot read the journal {}: {}", file, e.toString());
            return Optional.empty();
        }
    }

    @Override
    public synchronized void keep(String key, String record, Duration ttl) {
        long expires = clock.millis() + ttl.toMillis();
        byte[] bytes = (expires + "\t" + key + "\t" + record + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            channel.write(ByteBuffer.wrap(bytes), end);
        } catch (IOException e) {
            // the outcome is delivered all the same; only a crash before it would cost a second call
            LOG.warn("cannot append to the journal {}: {}", file, e.toString());
            return;
        }
        index.remove(key);
        index.put(key, new Line(end, bytes.length, expires));
        end += bytes.length;
        forgetOverBound();
        if (++appendedSinceCompaction > maxEntries) {
            try {
                compact();
            } catch (IOException e) {
                LOG.warn("cannot compact the journal {}: {}", file, e.toString());
            }
        }
    }

    @Override
    public synchronized boolean claim(String key, String record, Duration ttl) {
        if (find(key).isPresent()) {
            return false;
        }
        keep(key, record, ttl);
        return true;
    }

    @Override
    public synchronized void forget(String key) {
        index.remove(key);
    }

    @Override
    public synchronized long size() {
        return index.size();
    }

    /** Indexes the file's lines: the last line of a key wins; expired and torn lines are left out. */
    private void load() throws IOException {
        long now = clock.millis();
        byte[] all = Files.readAllBytes(file);
        int start = 0;
        for (int i = 0; i < all.length; i++) {
            if (all[i] != '\n') {
                continue;
            }
            String text = new String(all, start, i - start, StandardCharsets.UTF_8);
            int tab = text.indexOf('\t');
            int second = tab < 0 ? -1 : text.indexOf('\t', tab + 1);
            if (second > 0) {
                try {
                    long expires = Long.parseLong(text.substring(0, tab));
                    String key = text.substring(tab + 1, second);
                    index.remove(key);
                    if (expires > now) {
                        index.put(key, new Line(start, i + 1 - start, expires));
                    }
                } catch (NumberFormatException torn) {
                    // a line cut by a crash, or not ours: skipped
                }
            }
            start = i + 1;
        }
        forgetOverBound();
    }

    /** Copies the live lines to a new file, which replaces the old one. */
    private void compact() throws IOException {
        Path fresh = file.resolveSibling(file.getFileName() + ".new");
        Map<String, Line> moved = new LinkedHashMap<>();
        long now = clock.millis();
        try (FileChannel out = FileChannel.open(
                        fresh,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING);
                FileChannel in = Files.exists(file) ? FileChannel.open(file, StandardOpenOption.READ) : null) {
            long at = 0;
            for (Map.Entry<String, Line> e : index.entrySet()) {
                if (in == null || e.getValue().expiresMs() <= now) {
                    continue;
                }
                byte[] bytes = read(in, e.getValue());
                out.write(ByteBuffer.wrap(bytes), at);
                moved.put(e.getKey(), new Line(at, bytes.length, e.getValue().expiresMs()));
                at += bytes.length;
            }
            end = at;
        }
        if (channel != null) {
            channel.close();
        }
        Files.move(fresh, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
        index.clear();
        index.putAll(moved);
        appendedSinceCompaction = 0;
    }

    private void forgetOverBound() {
        Iterator<String> oldest = index.keySet().iterator();
        while (index.size() > maxEntries && oldest.hasNext()) {
            oldest.next();
            oldest.remove();
        }
    }

    private static byte[] read(FileChannel from, Line line) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(line.length());
        while (buffer.hasRemaining()) {
            if (from.read(buffer, line.offset() + buffer.position()) < 0) {
                throw new IOException("the journal ends before a line it indexed");
            }
        }
        return buffer.array();
    }

    private static String recordOf(byte[] line) {
        String text = new String(line, StandardCharsets.UTF_8);
        int second = text.indexOf('\t', text.indexOf('\t') + 1);
        return text.substring(second + 1, text.length() - 1);
    }
}
