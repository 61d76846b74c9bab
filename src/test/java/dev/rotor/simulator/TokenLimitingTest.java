package dev.rotor.simulator;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/** The simulator's token limits answer as OpenAI's, Anthropic's and Gemini's do, over HTTP. */
class TokenLimitingTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newHttpClient();

    private HttpResponse<String> ask(SimulatorServer sim, String model, int words, int maxTokens) throws Exception {
        String prompt = "word ".repeat(words).strip();
        HttpRequest request = HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/chat/completions"))
                .POST(HttpRequest.BodyPublishers.ofString("{\"model\":\"" + model + "\",\"max_tokens\":" + maxTokens
                        + ",\"messages\":[{\"role\":\"user\",\"content\":\"" + prompt + "\"}]}"))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static Scenario scenario(Scenario.TokenBehaviour tokens) {
        return Scenario.builder()
                .model(
                        "m",
                        Scenario.ModelBehaviour.unlimited().withTokens(tokens).withPrice("0.0000005", "0.0000015"))
                .build();
    }

    @Test
    void shouldCountInputAndMaxTokensAndSayLimitUsedAndRequestedAsOpenAiDoes() throws Exception {
        try (SimulatorServer sim = SimulatorServer.start(
                scenario(Scenario.TokenBehaviour.of(Scenario.TokenStyle.OPENAI, 1_000, 60_000)))) {
            HttpResponse<String> ok = ask(sim, "m", 500, 300);
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.headers().firstValue("x-ratelimit-limit-tokens")).contains("1000");
            long input =
                    JSON.readTree(ok.body()).path("usage").path("prompt_tokens").asLong();
            assertThat(input).isBetween(500L, 520L);
            assertThat(ok.headers().firstValue("x-ratelimit-remaining-tokens"))
                    .contains(Long.toString(1_000 - input - 300));
            // usage.cost: the prompt and completion tokens at their prices
            JsonNode usage = JSON.readTree(ok.body()).path("usage");
            assertThat(usage.path("cost").asDouble())
                    .isEqualTo(
                            input * 0.0000005 + usage.path("completion_tokens").asLong() * 0.0000015,
                            Offset.offset(1e-12));

            HttpResponse<String> refused = ask(sim, "m", 100, 300);
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(refused.headers().firstValue("retry-after")).isPresent();
            assertThat(JSON.readTree(refused.body())
                            .path("error")
                            .path("message")
                            .asText())
                    .matches(
                            "Rate limit reached for m in organization org-sim on tokens per min \\(TPM\\): Limit 1000, "
                                    + "Used \\d+, Requested \\d+\\. Please try again in \\d+(\\.\\d+)?s\\..*");

            HttpResponse<String> tooLarge = ask(sim, "m", 900, 300);
            assertThat(tooLarge.statusCode()).isEqualTo(429);
            assertThat(JSON.readTree(tooLarge.body())
                            .path("error")
                            .path("message")
                            .asText())
                    .startsWith(
                            "Request too large for m in organization org-sim on tokens per min (TPM): Limit 1000, Requested");
            assertThat(sim.tokensAdmitted("m")).isEqualTo(input + 300);
        }
    }

    @Test
    void shouldKeepAnthropicsInputAndOutputLimitsApartWithResetsInRfc3339() throws Exception {
        Scenario.TokenBehaviour anthropic = Scenario.TokenBehaviour.of(Scenario.TokenStyle.ANTHROPIC, 2_000, 60_000)
                .withOutputLimit(500);
        try (SimulatorServer sim = SimulatorServer.start(scenario(anthropic))) {
            HttpResponse<String> ok = ask(sim, "m", 100, 400);
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.headers().firstValue("anthropic-ratelimit-input-tokens-limit"))
                    .contains("2000");
            assertThat(ok.headers().firstValue("anthropic-ratelimit-output-tokens-limit"))
                    .contains("500");
            Instant reset = Instant.parse(ok.headers()
                    .firstValue("anthropic-ratelimit-output-tokens-reset")
                    .orElseThrow());
            assertThat(reset).isAfter(Instant.now().minusSeconds(1));
            // 400 reserved, 240 used and kept: the next call's 400 does not fit the output limit
            HttpResponse<String> refused = ask(sim, "m", 100, 400);
            assertThat(refused.statusCode()).isEqualTo(429);
            assertThat(JSON.readTree(refused.body())
                            .path("error")
                            .path("message")
                            .asText())
                    .contains("of 500 output tokens per minute");
        }
    }

    @Test
    void shouldAnswerAsGeminiDoesWithQuotaFailureAndRetryInfoAndNoHeaders() throws Exception {
        try (SimulatorServer sim =
                SimulatorServer.start(scenario(Scenario.TokenBehaviour.of(Scenario.TokenStyle.GEMINI, 600, 60_000)))) {
            HttpResponse<String> ok = ask(sim, "m", 500, 1_000);
            assertThat(ok.statusCode())
                    .as("Gemini's input limit counts no output")
                    .isEqualTo(200);
            assertThat(ok.headers().map().keySet())
                    .noneMatch(h -> h.toLowerCase().contains("ratelimit"));
            HttpResponse<String> refused = ask(sim, "m", 200, 10);
            assertThat(refused.statusCode()).isEqualTo(429);
            JsonNode details = JSON.readTree(refused.body()).path("error").path("details");
            assertThat(details.findValuesAsText("quotaValue")).containsExactly("600");
            assertThat(details.findValuesAsText("retryDelay"))
                    .singleElement()
                    .asString()
                    .matches("\\d+s");
        }
    }

    @Test
    void shouldListPricesInModelsAsOpenRouterDoes() throws Exception {
        try (SimulatorServer sim = SimulatorServer.start(
                scenario(Scenario.TokenBehaviour.of(Scenario.TokenStyle.OPENAI, 1_000, 60_000)))) {
            HttpResponse<String> models = http.send(
                    HttpRequest.newBuilder(URI.create(sim.baseUrl() + "/models"))
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            JsonNode pricing = JSON.readTree(models.body()).path("data").path(0).path("pricing");
            assertThat(pricing.path("prompt").asText()).isEqualTo("0.0000005");
            assertThat(pricing.path("completion").asText()).isEqualTo("0.0000015");
        }
    }
}
