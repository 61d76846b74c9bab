package dev.rotor.settings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The settings reference in docs/configuration.md is what the settings model renders, and every {@code rotor.*} key the
 * routes and application.properties name is in the model. Run with {@code -Drotor.docs.write=true} to rewrite the
 * reference after changing a setting.
 */
class ConfigurationDocTest {

    private static final Path DOC = Path.of("docs/configuration.md");
    private static final Pattern KEY = Pattern.compile("(?<![\\w.])rotor\\.[a-z][a-z0-9.-]*[a-z0-9]");

    @Test
    void shouldMatchTheSettingsModel() throws IOException {
        String document = Files.readString(DOC, StandardCharsets.UTF_8);
        String rendered = ConfigurationDoc.replaceReference(document, ConfigurationDoc.render(SettingsCatalog.GROUPS));
        if (Boolean.getBoolean("rotor.docs.write")) {
            Files.writeString(DOC, rendered, StandardCharsets.UTF_8);
            document = rendered;
        }
        assertThat(document)
                .as("docs/configuration.md differs from the settings model: run mvn test -Dtest=ConfigurationDocTest"
                        + " -Drotor.docs.write=true")
                .isEqualTo(rendered);
    }

    @Test
    void shouldNameEveryKeyOnceWithAMeaning() {
        List<Setting> all = SettingsCatalog.all();
        assertThat(all.stream().map(Setting::key).distinct()).hasSameSizeAs(all);
        assertThat(all).allSatisfy(s -> {
            assertThat(s.meaning()).as(s.key()).isNotBlank().doesNotContain("|");
            if (s.kind() == Kind.CHOICE) {
                assertThat(s.choices()).as(s.key()).contains(s.defaultValue());
            }
        });
    }

    @Test
    void shouldKnowEveryKeyTheRoutesAndThePropertiesFileName() throws IOException {
        Set<String> named = new TreeSet<>(keysIn(Path.of("application.properties")));
        try (Stream<Path> routes = Files.list(Path.of("routes"))) {
            for (Path route : routes.filter(p -> p.toString().endsWith(".yaml")).toList()) {
                named.addAll(keysIn(route));
            }
        }
        Set<String> known = SettingsCatalog.all().stream().map(Setting::key).collect(Collectors.toSet());
        assertThat(named).isNotEmpty();
        assertThat(named)
                .allSatisfy(key -> assertThat(known).as("settings model").contains(key));
    }

    @Test
    void shouldListEverySettingThatHasADefaultAmongTheDefaults() {
        assertThat(SettingsCatalog.defaults())
                .containsEntry("rotor.concurrency", "8")
                .containsEntry("rotor.kafka.consumers", "8")
                .doesNotContainKey("rotor.budget.usd-per-day");
    }

    @Test
    void shouldRefuseADocumentWithoutTheGeneratedSection() {
        assertThatThrownBy(() -> ConfigurationDoc.replaceReference("# Configuration\n", "x"))
                .hasMessageContaining(ConfigurationDoc.BEGIN);
    }

    private static Set<String> keysIn(Path file) throws IOException {
        Set<String> keys = new TreeSet<>();
        Matcher m = KEY.matcher(Files.readString(file, StandardCharsets.UTF_8));
        while (m.find()) {
            keys.add(m.group());
        }
        return keys;
    }
}
