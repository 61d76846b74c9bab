package dev.rotor.task;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotor.answers.Expectations;
import dev.rotor.answers.ExpectationsReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/** Turns raw input (a file, a message) into a {@link Task}, or says exactly what is wrong with it. */
public final class TaskParser {

    public static final int MAX_BYTES = 1024 * 1024;
    private static final Set<String> ROLES = Set.of("system", "user", "assistant", "tool", "developer");

    private final ObjectMapper json;
    private final Predicate<String> chainExists;
    private final Predicate<String> modelExists;

    public TaskParser(ObjectMapper json, Predicate<String> chainExists, Predicate<String> modelExists) {
        // "{...} and more" or two documents in one input are not a task
        this.json = json.copy().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        this.chainExists = chainExists;
        this.modelExists = modelExists;
    }

    /** @param fallbackId where the input names no id, the task takes this one (a file's base name, a message id) */
    public Task parse(byte[] raw, String fallbackId) throws InvalidTaskException {
        String safeFallback = TaskIds.sanitise(fallbackId);
        if (raw == null || raw.length == 0) {
            throw new InvalidTaskException(safeFallback, "empty input");
        }
        if (raw.length > MAX_BYTES) {
            throw new InvalidTaskException(
                    safeFallback, "input is " + raw.length + " bytes, over the limit of " + MAX_BYTES);
        }
        JsonNode root = readJson(raw, safeFallback);
        if (!(root instanceof ObjectNode task)) {
            throw new InvalidTaskException(safeFallback, "a task must be a JSON object, got " + describe(root));
        }
        String id = id(task, fallbackId, safeFallback);
        List<ChatMessage> messages = messages(task, id);
        ObjectNode fields = requestFields(task, id);
        return new Task(
                id,
                messages,
                positiveInt(task, "max_tokens", id),
                temperature(task, id),
                chain(task, id),
                models(task, id),
                metadata(task, id),
                task,
                Optional.empty(),
                cacheable(task, id),
                fields,
                expectations(fields, task.get("accept"), id));
    }

    /** OpenAI's fields as they came, then a provider's own from extra_body; any other field is an error naming it. */
    private ObjectNode requestFields(ObjectNode task, String id) throws InvalidTaskException {
        ObjectNode fields = json.createObjectNode();
        for (var it = task.fields(); it.hasNext(); ) {
            var field = it.next();
            if (RequestFields.PASSED.contains(field.getKey())) {
                fields.set(field.getKey(), field.getValue());
            } else if (!RequestFields.TASK.contains(field.getKey())) {
                throw new InvalidTaskException(id, RequestFields.unknown(field.getKey()));
            }
        }
        JsonNode extra = task.get("extra_body");
        if (extra == null || extra.isNull()) {
            return fields;
        }
        if (!extra.isObject()) {
            throw new InvalidTaskException(
                    id, "'extra_body' must be an object of a provider's own fields, got " + describe(extra));
        }
        for (var it = extra.fields(); it.hasNext(); ) {
            var field = it.next();
            if (RequestFields.ROTORS.contains(field.getKey())) {
                throw new InvalidTaskException(id, "'extra_body' cannot set '" + field.getKey() + "': Rotor sets it");
            }
            fields.set(field.getKey(), field.getValue());
        }
        return fields;
    }

    private static Expectations expectations(ObjectNode fields, JsonNode accept, String id)
            throws InvalidTaskException {
        try {
            return ExpectationsReader.read(fields, accept);
        } catch (IllegalArgumentException e) {
            throw new InvalidTaskException(id, e.getMessage());
        }
    }

    private static boolean cacheable(ObjectNode task, String id) throws InvalidTaskException {
        JsonNode n = task.get("cache");
        if (n == null || n.isNull()) {
            return true;
        }
        if (!n.isBoolean()) {
            throw new InvalidTaskException(id, "'cache' must be true or false, got " + describe(n));
        }
        return n.booleanValue();
    }

    private JsonNode readJson(byte[] raw, String id) throws InvalidTaskException {
        try {
            JsonNode node = json.readTree(raw);
            if (node == null || node.isMissingNode()) {
                throw new InvalidTaskException(id, "empty input");
            }
            return node;
        } catch (JsonProcessingException e) {
            throw new InvalidTaskException(id, "not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new InvalidTaskException(id, "unreadable input: " + e.getMessage());
        }
    }

    private static String id(ObjectNode task, String fallbackId, String safeFallback) throws InvalidTaskException {
        JsonNode id = task.get("id");
        if (id == null || id.isNull()) {
            if (TaskIds.isValid(fallbackId)) {
                return fallbackId;
            }
            throw new InvalidTaskException(safeFallback, "the task has no id");
        }
        if (!id.isTextual()) {
            throw new InvalidTaskException(safeFallback, "'id' must be a string, got " + describe(id));
        }
        if (!TaskIds.isValid(id.asText())) {
            throw new InvalidTaskException(
                    safeFallback,
                    "'id' must be 1-" + TaskIds.MAX_LENGTH
                            + " letters, digits, '.', '_' or '-', starting with a letter or digit, without '..'");
        }
        return id.asText();
    }

    private static List<ChatMessage> messages(ObjectNode task, String id) throws InvalidTaskException {
        JsonNode prompt = task.get("prompt");
        JsonNode messages = task.get("messages");
        Optional<String> system = optionalText(task, "system", id);
        boolean hasPrompt = prompt != null && !prompt.isNull();
        boolean hasMessages = messages != null && !messages.isNull();
        if (hasPrompt == hasMessages) {
            throw new InvalidTaskException(
                    id,
                    hasPrompt
                            ? "give either 'prompt' or 'messages', not both"
                            : "the task has neither 'prompt' nor 'messages'");
        }
        List<ChatMessage> result = new ArrayList<>();
        system.ifPresent(s -> result.add(new ChatMessage("system", s)));
        if (hasPrompt) {
            if (!prompt.isTextual() || prompt.asText().isBlank()) {
                throw new InvalidTaskException(id, "'prompt' must be a non-empty string, got " + describe(prompt));
            }
            result.add(new ChatMessage("user", prompt.asText()));
            return List.copyOf(result);
        }
        if (!messages.isArray() || messages.isEmpty()) {
            throw new InvalidTaskException(id, "'messages' must be a non-empty array, got " + describe(messages));
        }
        for (int i = 0; i < messages.size(); i++) {
            JsonNode m = messages.get(i);
            JsonNode role = m.get("role");
            JsonNode content = m.get("content");
            if (!m.isObject() || role == null || !role.isTextual() || !ROLES.contains(role.asText())) {
                throw new InvalidTaskException(id, "messages[" + i + "] needs a 'role', one of " + ROLES);
            }
            if (content == null || !content.isTextual()) {
                throw new InvalidTaskException(id, "messages[" + i + "].content must be a string");
            }
            result.add(new ChatMessage(role.asText(), content.asText()));
        }
        return List.copyOf(result);
    }

    private static Optional<Integer> positiveInt(ObjectNode task, String field, String id) throws InvalidTaskException {
        JsonNode n = task.get(field);
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        if (!n.isIntegralNumber() || !n.canConvertToInt() || n.asInt() <= 0) {
            throw new InvalidTaskException(id, "'" + field + "' must be a positive integer, got " + describe(n));
        }
        return Optional.of(n.asInt());
    }

    private static Optional<Double> temperature(ObjectNode task, String id) throws InvalidTaskException {
        JsonNode n = task.get("temperature");
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        if (!n.isNumber() || n.asDouble() < 0 || n.asDouble() > 2) {
            throw new InvalidTaskException(id, "'temperature' must be a number from 0 to 2, got " + describe(n));
        }
        return Optional.of(n.asDouble());
    }

    private Optional<String> chain(ObjectNode task, String id) throws InvalidTaskException {
        Optional<String> chain = optionalText(task, "chain", id);
        if (chain.isPresent() && !chainExists.test(chain.get())) {
            throw new InvalidTaskException(id, "unknown chain '" + chain.get() + "' (not in models.yaml)");
        }
        return chain;
    }

    private List<String> models(ObjectNode task, String id) throws InvalidTaskException {
        JsonNode n = task.get("models");
        if (n == null || n.isNull()) {
            return List.of();
        }
        if (!n.isArray() || n.isEmpty()) {
            throw new InvalidTaskException(id, "'models' must be a non-empty array of model ids, got " + describe(n));
        }
        if (task.hasNonNull("chain")) {
            throw new InvalidTaskException(id, "give either 'chain' or 'models', not both");
        }
        List<String> models = new ArrayList<>();
        for (JsonNode m : n) {
            if (!m.isTextual()) {
                throw new InvalidTaskException(id, "'models' must list model ids, got " + describe(m));
            }
            if (!modelExists.test(m.asText())) {
                throw new InvalidTaskException(
                        id, "'models' names '" + m.asText() + "', which is not a model in models.yaml");
            }
            models.add(m.asText());
        }
        return List.copyOf(models);
    }

    private ObjectNode metadata(ObjectNode task, String id) throws InvalidTaskException {
        JsonNode n = task.get("metadata");
        if (n == null || n.isNull()) {
            return json.createObjectNode();
        }
        if (!n.isObject()) {
            throw new InvalidTaskException(id, "'metadata' must be an object, got " + describe(n));
        }
        return (ObjectNode) n;
    }

    private static Optional<String> optionalText(ObjectNode task, String field, String id) throws InvalidTaskException {
        JsonNode n = task.get(field);
        if (n == null || n.isNull()) {
            return Optional.empty();
        }
        if (!n.isTextual() || n.asText().isBlank()) {
            throw new InvalidTaskException(id, "'" + field + "' must be a non-empty string, got " + describe(n));
        }
        return Optional.of(n.asText());
    }

    private static String describe(JsonNode n) {
        if (n == null) {
            return "nothing";
        }
        return switch (n.getNodeType()) {
            case STRING -> "a string";
            case NUMBER -> "the number " + n.asText();
            case BOOLEAN -> "a boolean";
            case ARRAY -> n.isEmpty() ? "an empty array" : "an array";
            case OBJECT -> "an object";
            case NULL -> "null";
            default -> n.getNodeType().name().toLowerCase();
        };
    }
}
