package dev.rotor.answers;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaException;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import java.util.List;
import java.util.stream.Collectors;

/**
 * JSON Schemas as tasks give them, compiled once with networknt's validator, draft 2020-12 unless a schema names its
 * own {@code $schema}. The registry's default loader fetches nothing from the network: a {@code $ref} to a URL does not
 * resolve.
 */
public final class Schemas {

    /** How many of a failed answer's errors are told (to the model when asked again, in the attempt record). */
    static final int ERRORS_TOLD = 5;

    private static final SchemaRegistry REGISTRY =
            SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12);

    private Schemas() {}

    /** @throws IllegalArgumentException when the node is not a schema the validator can use */
    public static Schema compile(JsonNode schema) {
        if (schema == null || !(schema.isObject() || schema.isBoolean())) {
            throw new IllegalArgumentException("a JSON Schema must be an object");
        }
        try {
            Schema compiled = REGISTRY.getSchema(schema);
            // references and keywords are resolved on first use: resolve them all now, so that a broken schema (or a
            // $ref to a URL, which is not fetched) fails here, as the task's mistake, and not at an answer's check
            compiled.initializeValidators();
            return compiled;
        } catch (SchemaException | IllegalArgumentException e) {
            throw new IllegalArgumentException("not a usable JSON Schema: " + e.getMessage());
        }
    }

    /** Empty when the value matches; else its first errors, each as "where: what" ({@code $.items[2].price: ...}). */
    public static List<String> errors(Schema schema, JsonNode value) {
        List<Error> errors = schema.validate(value);
        return errors.stream().limit(ERRORS_TOLD).map(Schemas::told).collect(Collectors.toList());
    }

    private static String told(Error error) {
        String pointer = error.getInstanceLocation().toString();
        String text = error.toString();
        String what = text.startsWith(pointer + ": ") ? text.substring(pointer.length() + 2) : text;
        return jsonPath(pointer) + ": " + what;
    }

    /** A JSON Pointer ("/items/2/price") as the JSONPath a model reads more easily ("$.items[2].price"). */
    static String jsonPath(String pointer) {
        StringBuilder path = new StringBuilder("$");
        for (String step : pointer.split("/")) {
            if (step.isEmpty()) {
                continue;
            }
            String name = step.replace("~1", "/").replace("~0", "~");
            path.append(name.chars().allMatch(Character::isDigit) ? "[" + name + "]" : "." + name);
        }
        return path.toString();
    }
}
