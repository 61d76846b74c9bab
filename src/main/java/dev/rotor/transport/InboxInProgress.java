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
 * <p>Why: a poll lists the folder, then goes through the listing (our filter, then this repository), and a task of the
 * poll before may finish meanwhile. With Camel's own repository the stale listing takes that file again, and the second
 * take's commit deletes the first's {@code .done/<name>}. Camel lets go of a path only after the commit has moved the
 * file, so a file still there once its path is held has not been finished by another task.
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

    /** Not called for an in-progress repository: a path is held, then let go. */
    @Override
    public boolean confirm(String path) {
        return true;
    }

    @Override
    public void clear() {
        held.clear();
    }

    @Override
    protected void doStop() {
        held.clear();
    }
}
