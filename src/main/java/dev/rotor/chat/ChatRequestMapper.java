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
        ObjectNode body = json.createObjectNode();
        body.put("model", model.id());
        ArrayNode messages = body.putArray("messages");
        for (ChatMessage m : task.messages()) {
            messages.addObject().put("role", m.role()).put("content", m.content());
        }
        task.maxTokens().ifPresent(n -> body.put("max_tokens", n));
        task.temperature().ifPresent(t -> body.put("temperature", t));
        try {
            return json.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a request body", e);
        }
    }
}
