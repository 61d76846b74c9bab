package dev.rotor.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ModelRegistryLoaderTest {

    private static ModelRegistry parse(String yaml) {
        return ModelRegistryLoader.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "models.yaml");
    }

    @Test
    void shouldLoadTheShippedModelsFileInPriorityOrder() {
        ModelRegistry r = ModelRegistryLoader.load(Path.of("models.yaml"));
        assertThat(r.models()).extracting(ModelSpec::id).containsExactly(
                "mistralai/mistral-small-3.2-24b-instruct:free", "deepseek/deepseek-r1-0528-qwen3-8b:free",
                "deepseek/deepseek-chat-v3.1:free", "deepseek/deepseek-chat");
        ModelSpec first = r.models().get(0);
        assertThat(first.limitGroup()).contains("openrouter-free");
        assertThat(first.provider().apiKeyEnv()).isEqualTo("OPENROUTER_API_KEY");
        assertThat(first.provider().chatCompletionsUrl()).hasToString("https://openrouter.ai/api/v1/chat/completions");
        assertThat(r.groupLimits("openrouter-free")).isEqualTo(new RateLimits(20, 50));
        assertThat(r.models().get(3).limits().requestsPerMinute()).isEqualTo(60);
        assertThat(r.chain("code").orElseThrow()).extracting(ModelSpec::id)
                .containsExactly("deepseek/deepseek-chat-v3.1:free", "deepseek/deepseek-chat");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
            "providers: {p: {base-url: 'http://x'}};models: [{id: a, provider: q}]|unknown provider 'q'",
            "providers: {p: {base-url: 'http://x'}};models: [{id: a, provider: p, limit-group: g}]|unknown limit-group 'g'",
            "providers: {p: {base-url: 'http://x'}};models: [{id: a, provider: p}, {id: a, provider: p}]|duplicate id a",
            "providers: {p: {base-url: 'http://x'}};models: [{id: a, provider: p}];chains: {c: [b]}|chain 'c' names unknown model 'b'",
            "providers: {p: {base-url: 'http://x'}};models: []|at least one model",
            "providers: {p: {base-url: 'ftp://x'}};models: [{id: a, provider: p}]|must be http or https",
            "providers: {p: {}};models: [{id: a, provider: p}]|has no base-url",
            "models: [{id: a, provider: p}]|at least one provider",
            "providers: {p: {base-url: 'http://x'}};models: [{id: a, provider: p, rpm: 3}]|not a valid models file"})
    void shouldSayWhatIsWrong(String yaml, String message) {
        assertThatThrownBy(() -> parse(yaml.replace(";", "\n"))).isInstanceOf(InvalidModelsException.class)
                .hasMessageContaining(message);
    }

    @Test
    void shouldSayWhenTheFileIsMissing() {
        assertThatThrownBy(() -> ModelRegistryLoader.load(Path.of("no/such/models.yaml")))
                .hasMessageContaining("no such file").hasMessageContaining("rotor.models.file");
    }
}
