package dev.rotor.settings;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Every {@code rotor.*} setting, in the groups the reference shows. Their defaults are given to Camel as initial
 * properties, so the routes' {@code {{rotor.*}}} placeholders resolve to the same values Rotor's beans read, and
 * application.properties need name only what it changes.
 */
public final class SettingsCatalog {

    public static final List<SettingsGroup> GROUPS = List.of(
            CoreKeys.GROUP,
            ProviderKeys.GROUP,
            TransportKeys.GROUP,
            GatewayKeys.GROUP,
            StateKeys.GROUP,
            ObservabilityKeys.GROUP);

    private SettingsCatalog() {}

    public static List<Setting> all() {
        return GROUPS.stream().flatMap(g -> g.settings().stream()).toList();
    }

    public static Optional<Setting> find(String key) {
        return all().stream().filter(s -> s.key().equals(key)).findFirst();
    }

    /** Each setting with a default, by key: what the routes' placeholders resolve to when nothing overrides them. */
    public static Map<String, String> defaults() {
        Map<String, String> defaults = new LinkedHashMap<>();
        all().stream().filter(s -> !s.defaultValue().isEmpty()).forEach(s -> defaults.put(s.key(), s.defaultValue()));
        return defaults;
    }
}
