package dev.rotor.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Random;

/**
 * A value that matches a JSON Schema, as a model that follows {@code response_format} or a tool's parameters would
 * write it: every property, arrays of one to three items, an enum's members at random. Covers what extraction schemas
 * use (type, properties, required, items, enum, const, minimum, anyOf/oneOf), not the whole of JSON Schema.
 */
final class SchemaExample {

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final String[] WORDS = {"alpha", "bravo", "delta", "harbour", "meadow", "copper", "signal", "orbit"};

    private final Random random;

    SchemaExample(Random random) {
        this.random = random;
    }

    JsonNode of(JsonNode schema) {
        if (schema.has("const")) {
            return schema.get("const");
        }
        if (schema.path("enum").isArray() && !schema.path("enum").isEmpty()) {
            return schema.get("enum").get(random.nextInt(schema.get("enum").size()));
        }
        for (String choice : new String[] {"anyOf", "oneOf"}) {
            if (schema.path(choice).isArray() && !schema.path(choice).isEmpty()) {
                return of(schema.get(choice).get(0));
            }
        }
        JsonNode type = schema.path("type");
        String t = type.isArray()
                ? type.path(0).asText("string")
                : type.asText(schema.has("properties") ? "object" : "string");
        return switch (t) {
            case "object" -> object(schema);
            case "array" -> array(schema);
            case "integer" -> NODES.numberNode(Math.max(schema.path("minimum").asInt(0), 1 + random.nextInt(40)));
            case "number" ->
                NODES.numberNode(
                        Math.max(schema.path("minimum").asDouble(0), Math.round(random.nextDouble() * 10000) / 100.0));
            case "boolean" -> NODES.booleanNode(random.nextBoolean());
            case "null" -> NODES.nullNode();
            default -> NODES.textNode(WORDS[random.nextInt(WORDS.length)] + " " + WORDS[random.nextInt(WORDS.length)]);
        };
    }

    private ObjectNode object(JsonNode schema) {
        ObjectNode value = NODES.objectNode();
        schema.path("properties").fields().forEachRemaining(p -> value.set(p.getKey(), of(p.getValue())));
        return value;
    }

    private ArrayNode array(JsonNode schema) {
        ArrayNode value = NODES.arrayNode();
        int min = Math.max(1, schema.path("minItems").asInt(1));
        int n = min + random.nextInt(3);
        for (int i = 0; i < n; i++) {
            value.add(of(schema.path("items")));
        }
        return value;
    }

    /**
     * The value made to break its schema as a careless model does: a number written as text, or, with no number in it,
     * a required property left out.
     */
    static JsonNode broken(JsonNode value, JsonNode schema) {
        JsonNode copy = value.deepCopy();
        if (numberToText(copy)) {
            return copy;
        }
        if (copy instanceof ObjectNode object
                && schema.path("required").isArray()
                && !schema.path("required").isEmpty()) {
            object.remove(schema.path("required").get(0).asText());
            return copy;
        }
        return NODES.textNode("not what the schema asks for");
    }

    private static boolean numberToText(JsonNode node) {
        if (node instanceof ObjectNode object) {
            var fields = object.fields();
            while (fields.hasNext()) {
                var f = fields.next();
                if (f.getValue().isNumber()) {
                    object.put(f.getKey(), "about " + f.getValue().asText());
                    return true;
                }
                if (numberToText(f.getValue())) {
                    return true;
                }
            }
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                if (array.get(i).isNumber()) {
                    array.set(i, NODES.textNode("about " + array.get(i).asText()));
                    return true;
                }
                if (numberToText(array.get(i))) {
                    return true;
                }
            }
        }
        return false;
    }
}
