package dev.rotor.task;

import java.util.regex.Pattern;

/** Task ids become file names, so only a conservative set of characters is accepted. */
public final class TaskIds {

    public static final int MAX_LENGTH = 128;
    private static final Pattern UNSAFE = Pattern.compile("[^A-Za-z0-9._-]");

    private TaskIds() {}

    public static boolean isValid(String id) {
        if (id == null
                || id.isEmpty()
                || id.length() > MAX_LENGTH
                || !isAlphanumeric(id.charAt(0))
                || id.contains("..")) {
            return false;
        }
        // a loop, not a regex: every task's id is checked, most of them several times on the way in
        for (int i = 1; i < id.length(); i++) {
            char c = id.charAt(i);
            if (!isAlphanumeric(c) && c != '.' && c != '_' && c != '-') {
                return false;
            }
        }
        return true;
    }

    private static boolean isAlphanumeric(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
    }

    /** A name that is always safe as a file name, for dead letters of inputs whose own id is unusable. */
    public static String sanitise(String raw) {
        if (raw == null || raw.isBlank()) {
            return "unnamed";
        }
        if (isValid(raw)) {
            return raw;
        }
        String safe = UNSAFE.matcher(raw).replaceAll("_").replace("..", "__");
        if (safe.startsWith(".") || safe.startsWith("-") || safe.startsWith("_")) {
            safe = "x" + safe;
        }
        return safe.length() > MAX_LENGTH ? safe.substring(0, MAX_LENGTH) : safe;
    }
}
