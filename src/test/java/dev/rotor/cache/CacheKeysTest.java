package dev.rotor.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.core.Json;
import dev.rotor.models.ModelRegistry;
import dev.rotor.models.ModelRegistryLoader;
import dev.rotor.models.ModelSpec;
import dev.rotor.task.Task;
import dev.rotor.task.TaskParser;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class CacheKeysTest {

    private final TaskParser parser = new TaskParser(Json.mapper(), c -> true, m -> true);
    private final CacheKeys keys = new CacheKeys(Json.mapper());
    private final ModelRegistry registry = ModelRegistryLoader.load(Path.of("models.yaml"));
    private final List<ModelSpec> chain = registry.models();

    @Test
    void shouldGiveOneKeyToTasksThatDifferOnlyInIdMetadataRoutingNameAndFieldOrder() throws Exception {
        String one = keyOf("{\"id\":\"a\",\"prompt\":\"p\",\"max_tokens\":100,\"metadata\":{\"run\":1}}");
        String two =
                keyOf("{\"max_tokens\":100,\"metadata\":{\"run\":2},\"prompt\":\"p\",\"id\":\"b\",\"cache\":true}");
        assertThat(one).isEqualTo(two).hasSize(64);
        assertThat(keyOf("{\"messages\":[{\"role\":\"user\",\"content\":\"p\"}]}"))
                .as("nested fields in any order")
                .isEqualTo(keyOf("{\"messages\":[{\"content\":\"p\",\"role\":\"user\"}]}"));
    }

    @Test
    void shouldGiveAnotherKeyWhenWhatTheProviderIsAskedChanges() throws Exception {
        String base = keyOf("{\"id\":\"a\",\"prompt\":\"p\",\"max_tokens\":100}");
        assertThat(keyOf("{\"id\":\"a\",\"prompt\":\"p \",\"max_tokens\":100}")).isNotEqualTo(base);
        assertThat(keyOf("{\"id\":\"a\",\"prompt\":\"p\",\"max_tokens\":101}")).isNotEqualTo(base);
        assertThat(keyOf("{\"id\":\"a\",\"prompt\":\"p\",\"max_tokens\":100,\"temperature\":0}"))
                .isNotEqualTo(base);
        assertThat(keyOf("{\"id\":\"a\",\"prompt\":\"p\",\"system\":\"s\",\"max_tokens\":100}"))
                .isNotEqualTo(base);
        Task task = parser.parse("{\"id\":\"a\",\"prompt\":\"p\",\"max_tokens\":100}".getBytes(), "a");
        assertThat(keys.keyOf(task, chain.subList(0, 1)))
                .as("a chain of other models")
                .isNotEqualTo(base);
    }

    private String keyOf(String json) throws Exception {
        return keys.keyOf(parser.parse(json.getBytes(), "x"), chain);
    }
}
