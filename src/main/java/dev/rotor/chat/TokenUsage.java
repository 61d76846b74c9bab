package dev.rotor.chat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.OptionalLong;

/**
 * The tokens an answer says its call used, in the shapes providers send: OpenAI's and OpenRouter's
 * {@code prompt_tokens}, {@code completion_tokens} and {@code prompt_tokens_details.cached_tokens}; Anthropic's
 * {@code input_tokens}, {@code output_tokens}, {@code cache_read_input_tokens} and {@code cache_creation_input_tokens}.
 * {@code input} counts every input token, cached or not; {@code cost} is the provider's own reckoning in USD, when it
 * gives one (OpenRouter's {@code usage.cost}).
 */
public record TokenUsage(
        long input, long output, long cacheRead, long cacheWrite, OptionalLong costPicoUsd, boolean reported) {

    public static final TokenUsage NONE = new TokenUsage(0, 0, 0, 0, OptionalLong.empty(), false);

    public static TokenUsage of(JsonNode usage) {
        if (usage == null || !usage.isObject() || usage.isEmpty()) {
            return NONE;
        }
        long cacheRead =
                first(usage.path("prompt_tokens_details").path("cached_tokens"), usage.path("cache_read_input_tokens"));
        long cacheWrite = first(
                usage.path("cache_creation_input_tokens"),
                usage.path("prompt_tokens_details").path("cache_write_tokens"));
        boolean anthropic = usage.has("input_tokens") && !usage.has("prompt_tokens");
        // Anthropic's input_tokens leaves out the input read from or written to its cache; OpenAI's prompt_tokens
        // holds it all
        long input = anthropic
                ? usage.path("input_tokens").asLong(0) + cacheRead + cacheWrite
                : usage.path("prompt_tokens").asLong(0);
        long output = anthropic
                ? usage.path("output_tokens").asLong(0)
                : usage.path("completion_tokens").asLong(0);
        JsonNode cost = usage.path("cost");
        OptionalLong picoUsd = cost.isNumber() && cost.asDouble() >= 0
                ? OptionalLong.of(cost.decimalValue().movePointRight(12).longValue())
                : OptionalLong.empty();
        boolean reported = usage.has("prompt_tokens") || usage.has("input_tokens");
        return new TokenUsage(input, output, cacheRead, cacheWrite, picoUsd, reported);
    }

    private static long first(JsonNode a, JsonNode b) {
        return a.isNumber() ? a.asLong() : b.isNumber() ? b.asLong() : 0;
    }
}
