package dev.rotor.chat;

import com.fasterxml.jackson.databind.JsonNode;

/** A successful completion: the content, the usage as the provider reported it, and who actually answered. */
public record ChatResult(String content, JsonNode usage, String answeringModel) {

    public long promptTokens() {
        return usage.path("prompt_tokens").asLong(0);
    }

    public long completionTokens() {
        return usage.path("completion_tokens").asLong(0);
    }
}
