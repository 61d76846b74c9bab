package dev.rotor.simulator;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Set;

/**
 * Answers that come back as a 200 and are still not what was asked for, in the shapes providers give them: cut off at
 * max_tokens, JSON in a code fence or in prose, JSON that does not parse or breaks its schema, OpenAI's
 * {@code refusal}, a content filter's finish, reasoning with no content (OpenRouter's {@code reasoning}, DeepSeek's
 * {@code reasoning_content}), and a tool call whose arguments do not parse.
 */
final class AnswerFaults {

    static final String TRUNCATED = "truncated";
    static final String FENCED_JSON = "fenced-json";
    static final String PROSE_JSON = "prose-json";
    static final String BROKEN_JSON = "broken-json";
    static final String SCHEMA_BREAK = "schema-break";
    static final String REFUSAL = "refusal";
    static final String CONTENT_FILTER = "content-filter";
    static final String REASONING_ONLY = "reasoning-only";
    static final String REASONING_ONLY_DEEPSEEK = "reasoning-only-deepseek";
    static final String TOOL_ARGS_BROKEN = "tool-args-broken";

    static final Set<String> ALL = Set.of(
            TRUNCATED,
            FENCED_JSON,
            PROSE_JSON,
            BROKEN_JSON,
            SCHEMA_BREAK,
            REFUSAL,
            CONTENT_FILTER,
            REASONING_ONLY,
            REASONING_ONLY_DEEPSEEK,
            TOOL_ARGS_BROKEN);

    private static final ObjectMapper JSON = new ObjectMapper();

    private AnswerFaults() {}

    /** The completion, spoiled as {@code kind} says. */
    static ObjectNode spoil(String kind, ObjectNode completion, JsonNode request) {
        ObjectNode choice = (ObjectNode) completion.withArray("choices").get(0);
        ObjectNode message = (ObjectNode) choice.get("message");
        String content = message.path("content").asText("");
        switch (kind) {
            case TRUNCATED -> {
                message.put("content", content.substring(0, content.length() / 2));
                choice.put("finish_reason", "length");
            }
            case FENCED_JSON -> message.put("content", "```json\n" + content + "\n```");
            case PROSE_JSON ->
                message.put(
                        "content",
                        "Here is the JSON you asked for:\n\n" + content + "\n\nLet me know if you need anything else.");
            case BROKEN_JSON -> {
                int last = content.lastIndexOf('}');
                // a trailing comma before the last brace: no repair of fences or prose can mend it
                message.put("content", last > 0 ? content.substring(0, last) + ",}" : content + ",");
            }
            case SCHEMA_BREAK -> {
                JsonNode schema =
                        request.path("response_format").path("json_schema").path("schema");
                try {
                    JsonNode value = JSON.readTree(content);
                    message.put("content", JSON.writeValueAsString(SchemaExample.broken(value, schema)));
                } catch (JsonProcessingException notJson) {
                    message.put("content", "{\"unexpected\": true}");
                }
            }
            case REFUSAL -> {
                message.putNull("content");
                message.put("refusal", "I'm sorry, but I can't help with that request.");
                choice.put("finish_reason", "stop");
            }
            case CONTENT_FILTER -> {
                message.put("content", "");
                choice.put("finish_reason", "content_filter");
            }
            case REASONING_ONLY -> {
                message.put("content", "");
                message.put("reasoning", "The user wants an answer. Let me think about it step by step. " + content);
            }
            case REASONING_ONLY_DEEPSEEK -> {
                message.putNull("content");
                message.put("reasoning_content", "Let me work through this first. " + content);
            }
            case TOOL_ARGS_BROKEN -> {
                JsonNode calls = message.path("tool_calls");
                if (calls.isArray() && !calls.isEmpty()) {
                    ((ObjectNode) calls.get(0).get("function")).put("arguments", "{\"city\": \"Par");
                } else {
                    message.put("content", "");
                }
            }
            default -> throw new IllegalArgumentException("not an answer fault: " + kind);
        }
        return completion;
    }
}
