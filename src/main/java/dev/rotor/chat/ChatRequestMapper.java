package dev.rotor.chat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.rotor.models.ModelSpec;
import dev.rotor.task.ChatMessage;
import dev.rotor.task.Task;

/** Task and model to the body of an OpenAI-compatible {@code POST /chat/completions}. */
public final class ChatRequestMapper {

    private final ObjectMapper json;

    public ChatRequestMapper(ObjectMapper json) {
        this.json = json;
    }

    public String body(Task task, ModelSpec model) {
        if (task.request().isPresent()) {
            return gatewayBody(task.request().get(), model);
        }
        ObjectNode body = json.createObjectNode();
        body.put("model", model.id());
        ArrayNode messages = body.putArray("messages");
        for (ChatMessage m : task.messages()) {
            messages.addObject().put("role", m.role()).put("content", m.content());
        }
        // a task without its own bound gets the model's: the provider then reserves what Rotor reserved
        task.maxTokens().ifPresentOrElse(n -> body.put("max_tokens", n),
                () -> model.maxTokens().ifPresent(n -> body.put("max_tokens", n)));
        task.temperature().ifPresent(t -> body.put("temperature", t));
        return write(body);
    }

    /**
     * The caller's body, every field as it came (tools, response_format, vendor extensions), but the model; with the
     * model's max_tokens when the caller set no bound.
     */
    private String gatewayBody(ObjectNode request, ModelSpec model) {
        ObjectNode body = json.createObjectNode();
        body.put("model", model.id());
        request.fields().forEachRemaining(f -> {
            if (!f.getKey().equals("model")) {
                body.set(f.getKey(), f.getValue());
            }
        });
        if (!request.hasNonNull("max_tokens") && !request.hasNonNull("max_completion_tokens")) {
            model.maxTokens().ifPresent(n -> body.put("max_tokens", n));
        }
        return write(body);
    }

    private String write(ObjectNode body) {
        try {
            return json.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a request body", e);
        }
    }
}
