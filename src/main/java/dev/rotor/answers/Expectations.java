package dev.rotor.answers;

import com.networknt.schema.Schema;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a request asks of its answer, read from the request's own fields ({@code response_format}, {@code tools},
 * {@code tool_choice}) and a task's {@code accept}.
 *
 * @param schemaName the json_schema's {@code name}, for the record of what an answer was checked against
 * @param tools each offered function's parameters schema, by name
 * @param toolRequired {@code tool_choice} asks for a tool call ("required", or a named function)
 * @param namedTool the function {@code tool_choice} names; empty when it names none
 * @param whole checked whole (finish reason, format, accept); false: only that there is an answer, as for a gateway's
 *     plain chat, which is passed on as it came
 */
public record Expectations(
        Format format,
        Optional<Schema> schema,
        String schemaName,
        Map<String, Optional<Schema>> tools,
        boolean toolRequired,
        String namedTool,
        Optional<AcceptRule> accept,
        boolean whole) {

    /** How the content must be written. */
    public enum Format {
        TEXT,
        JSON_OBJECT,
        JSON_SCHEMA
    }

    /** A plain task: an answer that is not empty, not cut off, not refused. */
    public static final Expectations PLAIN =
            new Expectations(Format.TEXT, Optional.empty(), "", Map.of(), false, "", Optional.empty(), true);

    /** Only that there is an answer: a gateway's plain chat. */
    public static final Expectations ANY =
            new Expectations(Format.TEXT, Optional.empty(), "", Map.of(), false, "", Optional.empty(), false);

    public Expectations {
        tools = Map.copyOf(tools);
    }

    public boolean asksForJson() {
        return format != Format.TEXT;
    }

    /** The kind of task, as a model that keeps failing a kind's checks loses that kind: plain, json or tools. */
    public String kind() {
        return !tools.isEmpty() ? "tools" : asksForJson() ? "json" : "plain";
    }

    public Expectations checkedOnlyForAnAnswer() {
        return new Expectations(format, schema, schemaName, tools, toolRequired, namedTool, accept, false);
    }

    /** What a passing answer was checked against, for its result. */
    public List<String> checks() {
        List<String> checks = new ArrayList<>();
        if (!whole) {
            checks.add("content");
            return checks;
        }
        checks.add("finish_reason");
        switch (format) {
            case JSON_OBJECT -> checks.add("json_object");
            case JSON_SCHEMA -> checks.add("json_schema" + (schemaName.isBlank() ? "" : ":" + schemaName));
            default -> {}
        }
        tools.keySet().stream().sorted().forEach(t -> checks.add("tool:" + t));
        accept.ifPresent(a -> checks.add("accept"));
        return checks;
    }
}
