package dev.rotor.settings;

/** The kinds of value a setting takes, each with the words a mistake's message and the reference use for it. */
public enum Kind {
    TEXT("text", "text"),
    PATH("path", "a path"),
    FLAG("`true`/`false`", "true or false"),
    SWITCH("`on`/`off`", "on or off"),
    COUNT("whole number ≥ 1", "a whole number, at least 1"),
    WHOLE("whole number ≥ 0", "a whole number, 0 or more"),
    NUMBER("number", "a number"),
    DURATION("duration", "a duration such as 500, 30s, 10m or 1h"),
    MILLIS("milliseconds", "a number of milliseconds, more than 0"),
    SIZE("size", "a size such as 65536, 512KiB or 4MiB"),
    USD("USD", "an amount of USD such as 2.50"),
    CHOICE("one of", "one of"),
    SECRET("secret", "a secret: set it in the environment");

    private final String label;
    private final String expected;

    Kind(String label, String expected) {
        this.label = label;
        this.expected = expected;
    }

    /** The kind as the reference's value column names it. */
    public String label() {
        return label;
    }

    /** What a value of this kind must be, as a mistake's message says it. */
    public String expected() {
        return expected;
    }
}
