package dev.rotor.answers;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Schema;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Reads what a request asks of its answer from the request's fields, by one rule for tasks and the gateway. A task's
 * mistakes are errors (an invalid task); the gateway reads leniently, as the provider judges the request.
 */
public final class ExpectationsReader {

    private static final Set<String> ACCEPT_FIELDS = Set.of("regex", "min-chars", "max-chars");

    private ExpectationsReader() {}

    /**
     * @param request the fields sent to the provider (response_format, tools, tool_choice among them)
     * @param accept a task's {@code accept} rule, or null
     * @throws IllegalArgumentException naming the field that is wrong
     */
    public static Expectations read(JsonNode request, JsonNode accept) {
        JsonNode format = request.path("response_format");
        Expectations.Format kind = Expectations.Format.TEXT;
        Optional<Schema> schema = Optional.empty();
        String schemaName = "";
        if (!format.isMissingNode() && !format.isNull()) {
            String type = format.path("type").asText("");
            switch (type) {
                case "text" -> {}
                case "json_object" -> kind = Expectations.Format.JSON_OBJECT;
                case "json_schema" -> {
                    JsonNode js = format.path("json_schema");
                    if (!js.path("schema").isObject()) {
                        throw new IllegalArgumentException(
                                "'response_format.json_schema.schema' must be a JSON Schema object");
                    }
                    kind = Expectations.Format.JSON_SCHEMA;
                    schemaName = js.path("name").asText("");
                    schema = Optional.of(compile("response_format.json_schema.schema", js.get("schema")));
                }
                default ->
                    throw new IllegalArgumentException(
                            "'response_format.type' must be text, json_object or json_schema, got '" + type + "'");
            }
        }
        Map<String, Optional<Schema>> tools = tools(request.path("tools"));
        JsonNode choice = request.path("tool_choice");
        boolean required = !tools.isEmpty() && (choice.isObject() || "required".equals(choice.asText("")));
        String named =
                tools.isEmpty() ? "" : choice.path("function").path("name").asText("");
        return new Expectations(kind, schema, schemaName, tools, required, named, acceptRule(accept), true);
    }

    /** The gateway's reading: a request that asks for JSON is checked whole, a plain one only for an answer. */
    public static Expectations readLeniently(JsonNode request) {
        try {
            Expectations e = read(request, null);
            return e.asksForJson() ? e : Expectations.ANY;
        } catch (IllegalArgumentException e) {
            // the provider will say what is wrong with the request
            return Expectations.ANY;
        }
    }

    private static Map<String, Optional<Schema>> tools(JsonNode tools) {
        Map<String, Optional<Schema>> byName = new LinkedHashMap<>();
        if (tools.isMissingNode() || tools.isNull()) {
            return byName;
        }
        if (!tools.isArray()) {
            throw new IllegalArgumentException("'tools' must be an array");
        }
        for (int i = 0; i < tools.size(); i++) {
            JsonNode function = tools.get(i).path("function");
            String name = function.path("name").asText("");
            if (name.isBlank()) {
                throw new IllegalArgumentException("tools[" + i + "].function.name must be a non-empty string");
            }
            JsonNode parameters = function.path("parameters");
            byName.put(
                    name,
                    parameters.isObject()
                            ? Optional.of(compile("tools[" + i + "].function.parameters", parameters))
                            : Optional.empty());
        }
        return byName;
    }

    private static Schema compile(String field, JsonNode schema) {
        try {
            return Schemas.compile(schema);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("'" + field + "' is " + e.getMessage());
        }
    }

    private static Optional<AcceptRule> acceptRule(JsonNode accept) {
        if (accept == null || accept.isNull() || accept.isMissingNode()) {
            return Optional.empty();
        }
        if (!accept.isObject() || accept.isEmpty()) {
            throw new IllegalArgumentException("'accept' must be an object with regex, min-chars or max-chars");
        }
        accept.fieldNames().forEachRemaining(f -> {
            if (!ACCEPT_FIELDS.contains(f)) {
                throw new IllegalArgumentException(
                        "'accept' has an unknown field '" + f + "' (it takes regex, min-chars, max-chars)");
            }
        });
        Optional<Pattern> regex = Optional.empty();
        if (accept.has("regex")) {
            if (!accept.get("regex").isTextual()) {
                throw new IllegalArgumentException("'accept.regex' must be a string");
            }
            try {
                regex = Optional.of(Pattern.compile(accept.get("regex").asText()));
            } catch (PatternSyntaxException e) {
                throw new IllegalArgumentException(
                        "'accept.regex' is not a valid regular expression: " + e.getDescription());
            }
        }
        OptionalInt min = count(accept, "min-chars");
        OptionalInt max = count(accept, "max-chars");
        if (min.isPresent() && max.isPresent() && min.getAsInt() > max.getAsInt()) {
            throw new IllegalArgumentException("'accept.min-chars' is more than 'accept.max-chars'");
        }
        return Optional.of(new AcceptRule(regex, min, max));
    }

    private static OptionalInt count(JsonNode accept, String field) {
        JsonNode n = accept.get(field);
        if (n == null || n.isNull()) {
            return OptionalInt.empty();
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() < 0) {
            throw new IllegalArgumentException(
                    "'accept." + field + "' must be a whole number of characters, at least 0");
        }
        return OptionalInt.of(n.asInt());
    }
}
