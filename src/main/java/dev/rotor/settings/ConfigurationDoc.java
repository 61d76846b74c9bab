package dev.rotor.settings;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The settings reference in {@code docs/configuration.md}, rendered from the settings model. The document holds it
 * between two markers; a test fails when what is there differs from what this renders, so the reference cannot drift
 * from the code.
 */
public final class ConfigurationDoc {

    public static final String BEGIN = "<!-- settings: generated from dev.rotor.settings by ConfigurationDocTest -->";
    public static final String END = "<!-- end of settings -->";

    private ConfigurationDoc() {}

    /** The reference for these groups, markers included. */
    public static String render(List<SettingsGroup> groups) {
        StringBuilder doc = new StringBuilder(BEGIN).append("\n");
        for (SettingsGroup group : groups) {
            doc.append("\n### ").append(group.title()).append("\n\n");
            doc.append("| setting | default | value | meaning |\n|---|---|---|---|\n");
            group.settings().forEach(s -> doc.append(row(s)));
        }
        return doc.append("\n").append(END).toString();
    }

    /** The document with its generated part replaced by {@code reference}. */
    public static String replaceReference(String document, String reference) {
        int begin = document.indexOf(BEGIN);
        int end = document.indexOf(END);
        if (begin < 0 || end < begin) {
            throw new IllegalArgumentException("the document has no " + BEGIN + " ... " + END + " section");
        }
        return document.substring(0, begin) + reference + document.substring(end + END.length());
    }

    private static String row(Setting s) {
        String defaultValue = s.defaultValue().isEmpty() ? "(unset)" : "`" + s.defaultValue() + "`";
        return "| `" + s.key() + "` | " + defaultValue + " | " + value(s) + " | " + s.meaning() + " |\n";
    }

    private static String value(Setting s) {
        if (s.kind() == Kind.CHOICE) {
            return Setting.either(s.choices().stream().map(c -> "`" + c + "`").collect(Collectors.toList()));
        }
        return s.kind().label();
    }
}
