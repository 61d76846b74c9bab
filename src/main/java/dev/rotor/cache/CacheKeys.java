package dev.rotor.cache;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotor.models.ModelSpec;
import dev.rotor.task.Task;
import java.util.List;
import java.util.Set;

/**
 * The key of what a task asks a provider: a SHA-256 of the task as received less the fields that only name or route it,
 * with the models its chain holds. Two tasks that differ only in id, metadata or the order of their fields have one
 * key; a changed prompt, a request field or a chain with other models gives another.
 */
public final class CacheKeys {

    /** Fields that say who the task is or where it goes, not what the provider is asked. */
    private static final Set<String> NOT_ASKED = Set.of("id", "metadata", "cache", "chain", "models");

    private final ObjectWriter canonical;

    public CacheKeys(ObjectMapper json) {
        this.canonical = json.copy()
                .configure(JsonNodeFeature.WRITE_PROPERTIES_SORTED, true)
                .writer();
    }

    public String keyOf(Task task, List<ModelSpec> chain) {
        ObjectNode asked = task.original().deepCopy();
        NOT_ASKED.forEach(asked::remove);
        ArrayNode models = asked.putArray("models");
        // the output bound a model is sent when the task gives none is part of what it is asked
        chain.forEach(m -> models.add(
                m.maxTokens().isPresent()
                        ? m.id() + " max_tokens " + m.maxTokens().getAsInt()
                        : m.id()));
        try {
            return Sha256.hex(canonical.writeValueAsBytes(asked));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("a parsed task cannot be written again", e);
        }
    }
}
