package dev.rotor.chat.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;

/** What Rotor reads in a chat-completion chunk. */
public final class StreamChunks {

    private StreamChunks() {}

    /** The chunk as a JSON object, or null when it is not one (a malformed chunk, to be dropped). */
    public static JsonNode parse(ObjectMapper json, String data) {
        try {
            JsonNode node = json.readTree(data);
            return node != null && node.isObject() ? node : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** The text the chunk adds, "" for a tool call's part; null when it adds nothing (a role, a keep-alive). */
    public static String content(JsonNode chunk) {
        JsonNode delta = chunk.path("choices").path(0).path("delta");
        JsonNode text = delta.path("content");
        if (text.isTextual() && !text.asText().isEmpty()) {
            return text.asText();
        }
        JsonNode tools = delta.path("tool_calls");
        return tools.isArray() && !tools.isEmpty() ? "" : null;
    }

    /** Whether the chunk ends the answer (a finish reason). */
    public static boolean finishes(JsonNode chunk) {
        JsonNode reason = chunk.path("choices").path(0).path("finish_reason");
        return reason.isTextual() && !reason.asText().isEmpty();
    }
}
