package dev.rotor.tracing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;

import dev.rotor.core.Json;

/**
 * Prompts and answers as span attributes, for {@code rotor.tracing.capture-content=true} only: the request's messages
 * ({@code gen_ai.input.messages}) and the answer's ({@code gen_ai.output.messages}), as JSON text.
 */
final class Content {

    private static final ObjectMapper JSON = Json.mapper();

    private Content() {
    }

    /** The messages of a chat-completions request body. */
    static String messages(String body) {
        try {
            return JSON.readTree(body).path("messages").toString();
        } catch (JsonProcessingException e) {
            return "[]";
        }
    }

    /** Each choice's message with its finish reason. */
    static String choices(JsonNode body) {
        ArrayNode out = JSON.createArrayNode();
        body.path("choices").forEach(c -> out.addObject().put("role", c.path("message").path("role").asText("assistant"))
                .put("content", c.path("message").path("content").asText(""))
                .put("finish_reason", c.path("finish_reason").asText("")));
        return out.toString();
    }
}
