package dev.rotor.task;

import java.util.regex.Pattern;

/** Task ids become file names, so only a conservative set of characters is accepted. */
public final class TaskIds {

    public static final int MAX_LENGTH = 128;
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0," + (MAX_LENGTH - 1) + "}");
    private static final Pattern UNSAFE = Pattern.compile("[^A-Za-z0-9._-]");

    private TaskIds() {
    }

    public static boolean isValid(String id) {
        return id != null && VALID.matcher(id).matches() && !id.contains("..");
    }

    /** A name that is always safe as a file name, for dead letters of inputs whose own id is unusable. */
    public static String sanitise(String raw) {
        if (raw == null || raw.isBlank()) {
            return "unnamed";
        }
        String safe = UNSAFE.matcher(raw).replaceAll("_").replace("..", "__");
        if (safe.startsWith(".") || safe.startsWith("-") || safe.startsWith("_")) {
            safe = "x" + safe;
        }
        return safe.length() > MAX_LENGTH ? safe.substring(0, MAX_LENGTH) : safe;
    }
}
