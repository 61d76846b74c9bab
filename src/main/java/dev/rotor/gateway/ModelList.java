package dev.rotor.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotor.models.ModelRegistry;
import dev.rotor.models.ModelSpec;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /v1/models} in OpenAI's list format: every model, owned by its provider; every chain, its models listed;
 * and {@code rotor}, the default chain. Written once: models.yaml does not change under a running Rotor.
 */
public final class ModelList {

    private final byte[] body;

    public ModelList(ModelRegistry registry, ObjectMapper json) throws JsonProcessingException {
        ObjectNode list = json.createObjectNode();
        list.put("object", "list");
        ArrayNode data = list.putArray("data");
        chain(data, ModelChoice.DEFAULT, registry.models());
        for (Map.Entry<String, List<ModelSpec>> c : registry.chains().entrySet()) {
            chain(data, c.getKey(), c.getValue());
        }
        for (ModelSpec m : registry.models()) {
            data.addObject()
                    .put("id", m.id())
                    .put("object", "model")
                    .put("created", 0)
                    .put("owned_by", m.provider().name());
        }
        this.body = json.writeValueAsBytes(list);
    }

    private static void chain(ArrayNode data, String name, List<ModelSpec> models) {
        ObjectNode chain = data.addObject()
                .put("id", name)
                .put("object", "model")
                .put("created", 0)
                .put("owned_by", "rotor");
        ArrayNode ids = chain.putArray("models");
        models.forEach(m -> ids.add(m.id()));
    }

    void answer(RoutingContext ctx) {
        ctx.response().putHeader("Content-Type", "application/json").end(Buffer.buffer(body));
    }
}
