package dev.rotor.settings;

import java.util.List;

/** Settings that belong together, under the title the reference gives them. */
public record SettingsGroup(String title, List<Setting> settings) {

    public SettingsGroup {
        settings = List.copyOf(settings);
    }
}
