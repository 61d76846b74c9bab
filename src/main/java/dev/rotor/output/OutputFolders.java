package dev.rotor.output;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.UUID;

/**
 * Checks at start that Rotor can do in a folder what it will do there for every task: write a temp file and rename it.
 * An outbox that cannot take a result would otherwise show only after a model has been paid for the answer.
 */
public final class OutputFolders {

    private OutputFolders() {}

    /** Writes a hidden file in {@code dir} and renames it, creating {@code dir} if need be. */
    public static void checkWritable(Path dir, String setting) {
        checkRename(dir, dir, setting);
    }

    /**
     * Writes a hidden file in {@code inbox} and moves it to {@code done}, as a task file moves when its outcome is
     * written: an inbox that cannot let go of a file would take its task again and again.
     */
    public static void checkMovable(Path inbox, Path done, String setting) {
        checkRename(inbox, done, setting);
    }

    private static void checkRename(Path from, Path to, String setting) {
        String name = ".rotor-check-" + UUID.randomUUID();
        Path written = from.resolve(name + ".tmp");
        Path renamed = to.resolve(name);
        try {
            Files.createDirectories(from);
            Files.createDirectories(to);
            Files.writeString(written, "rotor checks it can write here");
            Files.move(written, renamed, StandardCopyOption.ATOMIC_MOVE);
            Files.delete(renamed);
        } catch (IOException | UnsupportedOperationException e) {
            deleteQuietly(written);
            throw new IllegalArgumentException(
                    setting + " is " + from + ", where Rotor cannot write and rename a file (" + describe(e) + ")");
        }
    }

    private static String describe(Exception e) {
        String why = e.getMessage() == null ? "" : e.getMessage();
        return e.getClass().getSimpleName() + (why.isEmpty() ? "" : ": " + why);
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // the check failed already; a hidden leftover is harmless
        }
    }
}
