package dev.rotor.settings;

import java.util.List;
import java.util.Locale;

/**
 * One {@code rotor.*} setting: its key, the kind of value it takes, its default and one line of what it does. The
 * settings model ({@link SettingsCatalog}) is the only place a key is named with its default; the reference in
 * {@code docs/configuration.md} is generated from it.
 *
 * @param defaultValue as it would be written in application.properties; empty for a setting that is unset by default
 * @param choices the values a {@link Kind#CHOICE} takes; empty for other kinds
 */
public record Setting(String key, Kind kind, String defaultValue, String meaning, List<String> choices) {

    public Setting {
        if (!key.startsWith("rotor.")) {
            throw new IllegalArgumentException("a Rotor setting's key begins rotor., got " + key);
        }
        choices = List.copyOf(choices);
    }

    static Setting of(String key, Kind kind, String defaultValue, String meaning) {
        return new Setting(key, kind, defaultValue, meaning, List.of());
    }

    static Setting choice(String key, String defaultValue, String meaning, String... choices) {
        return new Setting(key, Kind.CHOICE, defaultValue, meaning, List.of(choices));
    }

    /** {@code a}, {@code a or b}, {@code a, b or c}. */
    static String either(List<String> values) {
        int last = values.size() - 1;
        return last <= 0
                ? String.join("", values)
                : String.join(", ", values.subList(0, last)) + " or " + values.get(last);
    }

    /** The environment variable that overrides it: {@code ROTOR_INBOX_DIR} for {@code rotor.inbox.dir}. */
    public String variable() {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }
}
