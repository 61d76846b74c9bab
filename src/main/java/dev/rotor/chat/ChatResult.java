package dev.rotor.chat;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A successful completion: the content, the usage as the provider reported it, who actually answered, and the
 * provider's whole answer as parsed (the gateway returns it).
 */
public record ChatResult(String content, JsonNode usage, String answeringModel, JsonNode body) {

    public long promptTokens() {
        return usage.path("prompt_tokens").asLong(0);
    }

    public long completionTokens() {
        return usage.path("completion_tokens").asLong(0);
    }
}
