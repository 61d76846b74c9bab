package dev.rotor.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ModelRegistryLoaderTest {

    private static ModelRegistry parse(String yaml) {
        return ModelRegistryLoader.parse(
                new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "models.yaml");
    }

    @Test
    void shouldLoadTheShippedModelsFileInPriorityOrder() {
        ModelRegistry r = ModelRegistryLoader.load(Path.of("models.yaml"));
        assertThat(r.models())
                .extracting(ModelSpec::id)
                .containsExactly(
                        "mistralai/mistral-small-3.2-24b-instruct:free", "deepseek/deepseek-r1-0528-qwen3-8b:free",
                        "deepseek/deepseek-chat-v3.1:free", "deepseek/deepseek-chat");
        ModelSpec first = r.models().get(0);
        assertThat(first.limitGroup()).contains("openrouter-free");
        assertThat(first.provider().apiKeyEnv()).isEqualTo("OPENROUTER_API_KEY");
        assertThat(first.provider().chatCompletionsUrl()).hasToString("https://openrouter.ai/api/v1/chat/completions");
        assertThat(r.groupLimits("openrouter-free").quotas())
                .containsExactly(
                        RateLimits.Quota.requests(20, Duration.ofMinutes(1)),
                        RateLimits.Quota.requests(50, Duration.ofDays(1)));
        assertThat(r.models().get(3).limits().quotas())
                .containsExactly(RateLimits.Quota.requests(60, Duration.ofMinutes(1)));
        assertThat(r.chain("code").orElseThrow())
                .extracting(ModelSpec::id)
                .containsExactly("deepseek/deepseek-chat-v3.1:free", "deepseek/deepseek-chat");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            quoteCharacter = '"',
            value = {
                "providers: {p: {base-url: 'http://x'}};models: [{id: a, provider: q}]|unknown provider 'q'",
                "providers: {p: {base-url: 'http://x'}};models: [{id: a, provider: p, limit-group: g}]|unknown limit-group 'g'",
                "providers: {p: {base-url: 'http://x'}};models: [{id: a, provider: p}, {id: a, provider: p}]|duplicate id a",
                "providers: {p: {base-url: 'http://x'}};models: [{id: a, provider: p}];chains: {c: [b]}|chain 'c' names unknown model 'b'",
                "providers: {p: {base-url: 'http://x'}};models: []|at least one model",
                "providers: {p: {base-url: 'ftp://x'}};models: [{id: a, provider: p}]|must be http or https",
                "providers: {p: {}};models: [{id: a, provider: p}]|has no base-url",
                "models: [{id: a, provider: p}]|at least one provider",
                "providers: {p: {base-url: 'http://x'}};models: [{id: a, provider: p, rpm: 3}]|not a valid models file",
                "providers: {p: {base-url: 'http://x'}};models: [{id: a, provider: p, requests: 3}]|(a): 'requests: 3' needs 'per'",
                "providers: {p: {base-url: 'http://x'}};models: [{id: a, provider: p, per: 2s}]|'per: 2s' needs 'requests'",
                "providers: {p: {base-url: 'http://x'}};models: [{id: a, provider: p, requests: 3, per: soon}]|'per' is not a duration: 'soon'",
                "providers: {p: {base-url: 'http://x'}};models: [{id: a, provider: p, requests: 3, per: 0s}]|'per' must be a positive duration",
                "providers: {p: {base-url: 'http://x'}};limit-groups: {g: {requests: -1, per: 2s}};models: [{id: a, provider: p}]|limit-group 'g': rate limits must not be negative"
            })
    void shouldSayWhatIsWrong(String yaml, String message) {
        assertThatThrownBy(() -> parse(yaml.replace(";", "\n")))
                .isInstanceOf(InvalidModelsException.class)
                .hasMessageContaining(message);
    }

    @Test
    void shouldReadAQuotaOverAnyWindow() {
        ModelRegistry r = parse("""
                providers: {p: {base-url: 'http://x'}}
                limit-groups: {free: {requests: 30, per: 2s}}
                models: [{id: a, provider: p, limit-group: free}, {id: b, provider: p, requests: 10, per: 500ms, requests-per-day: 900}]
                """);
        assertThat(r.groupLimits("free").quotas())
                .containsExactly(RateLimits.Quota.requests(30, Duration.ofSeconds(2)));
        assertThat(r.models().get(1).limits().quotas())
                .containsExactly(
                        RateLimits.Quota.requests(900, Duration.ofDays(1)),
                        RateLimits.Quota.requests(10, Duration.ofMillis(500)));
    }

    @Test
    void shouldSayWhenTheFileIsMissing() {
        assertThatThrownBy(() -> ModelRegistryLoader.load(Path.of("no/such/models.yaml")))
                .hasMessageContaining("no such file")
                .hasMessageContaining("rotor.models.file");
    }
}
