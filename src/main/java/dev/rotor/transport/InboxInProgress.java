package dev.rotor.transport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.camel.spi.IdempotentRepository;
import org.apache.camel.support.service.ServiceSupport;

/**
 * The inbox files being taken, by absolute path, as the file consumer's in-progress repository: a file is taken only if
 * no task holds it and it is still there once held.
 *
 * <p>Why: a poll lists the whole folder, then goes through the listing file by file (our filter, then this repository).
 * A task of the poll before can finish meanwhile: it moves its file to {@code .done}, then lets go of the path. With
 * Camel's own repository the path is then free, and the stale listing takes the file a second time; the second take's
 * commit deletes {@code .done/<name>} before failing to move a file that is gone, so the first take's file is lost.
 * Looking after holding closes that: the path is let go only after the move, so a file still there once held is not one
 * another task has finished.
 */
public final class InboxInProgress extends ServiceSupport implements IdempotentRepository {

    private final Set<String> held = ConcurrentHashMap.newKeySet();

    @Override
    public boolean add(String path) {
        if (!held.add(path)) {
            return false;
        }
        if (!Files.exists(Path.of(path))) {
            held.remove(path);
            return false;
        }
        return true;
    }

    @Override
    public boolean contains(String path) {
        return held.contains(path);
    }

    @Override
    public boolean remove(String path) {
        return held.remove(path);
    }

    @Override
    public boolean confirm(String path) {
        return true;
    }

    @Override
    public void clear() {
        held.clear();
    }
}
