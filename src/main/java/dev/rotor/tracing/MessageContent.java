package dev.rotor.tracing;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotor.core.Json;

/**
 * Prompts and answers as span attributes, for {@code rotor.tracing.capture-content=true} only, in the GenAI
 * conventions' shape: each message a role and its parts ({@code [{"role":"user","parts":[{"type":"text",
 * "content":"..."}]}]}), the answer's with its finish reason.
 */
final class MessageContent {

    private static final ObjectMapper JSON = Json.mapper();

    private MessageContent() {}

    /** The messages of a chat-completions request body ({@code gen_ai.input.messages}). */
    static String input(String body) {
        ArrayNode out = JSON.createArrayNode();
        try {
            JSON.readTree(body)
                    .path("messages")
                    .forEach(m -> text(out.addObject(), m.path("role").asText("user"), m.path("content")));
        } catch (JsonProcessingException e) {
            return "[]";
        }
        return out.toString();
    }

    /** Each choice's message with its finish reason ({@code gen_ai.output.messages}). */
    static String output(JsonNode body) {
        ArrayNode out = JSON.createArrayNode();
        body.path("choices")
                .forEach(c -> text(
                                out.addObject(),
                                c.path("message").path("role").asText("assistant"),
                                c.path("message").path("content"))
                        .put("finish_reason", c.path("finish_reason").asText("")));
        return out.toString();
    }

    private static ObjectNode text(ObjectNode message, String role, JsonNode content) {
        message.put("role", role);
        ArrayNode parts = message.putArray("parts");
        if (content.isArray()) {
            // OpenAI's content parts: the text ones are kept as text
            content.forEach(p -> parts.addObject()
                    .put("type", "text")
                    .put("content", p.path("text").asText("")));
        } else {
            parts.addObject().put("type", "text").put("content", content.asText(""));
        }
        return message;
    }
}
