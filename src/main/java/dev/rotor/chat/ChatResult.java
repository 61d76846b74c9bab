package dev.rotor.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A successful completion: the content, the usage as the provider reported it, who actually answered, and the
 * provider's whole answer as parsed (the gateway returns it).
 */
public record ChatResult(String content, JsonNode usage, String answeringModel, JsonNode body) {

    /** The same answer with this content (the JSON cut out of a fence), in the provider's body too. */
    public ChatResult withContent(String text) {
        if (text.equals(content)) {
            return this;
        }
        JsonNode copy = body.deepCopy();
        if (copy.path("choices").path(0).path("message") instanceof ObjectNode message) {
            message.put("content", text);
        }
        return new ChatResult(text, usage, answeringModel, copy);
    }

    /** The tool calls the answer made; an empty array when it made none. */
    public JsonNode toolCalls() {
        JsonNode calls = body == null
                ? null
                : body.path("choices").path(0).path("message").path("tool_calls");
        return calls != null && calls.isArray() ? calls : JsonNodeFactory.instance.arrayNode();
    }

    public long promptTokens() {
        return usage.path("prompt_tokens").asLong(0);
    }

    public long completionTokens() {
        return usage.path("completion_tokens").asLong(0);
    }
}
