package dev.rotor.chat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotor.models.Continuation;
import dev.rotor.models.ModelSpec;
import dev.rotor.rotation.FollowUp;
import dev.rotor.task.ChatMessage;
import dev.rotor.task.Task;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.Consumer;

/** Task and model to the body of an OpenAI-compatible {@code POST /chat/completions}. */
public final class ChatRequestMapper {

    private final ObjectMapper json;

    public ChatRequestMapper(ObjectMapper json) {
        this.json = json;
    }

    /**
     * The max_tokens a call sends: a wider one after a cut-off, else the task's or its request's own, else the model's;
     * empty when none bounds it.
     */
    public static OptionalInt maxTokensSent(Task task, ModelSpec model, OptionalInt wider) {
        if (wider.isPresent()) {
            return wider;
        }
        if (task.maxTokens().isPresent()) {
            return OptionalInt.of(task.maxTokens().get());
        }
        if (task.request().isPresent()) {
            ObjectNode request = task.request().get();
            String bound = request.hasNonNull("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
            if (request.path(bound).canConvertToInt()) {
                return OptionalInt.of(request.path(bound).asInt());
            }
        }
        return model.maxTokens();
    }

    public String body(Task task, ModelSpec model) {
        return body(task, model, Optional.empty(), OptionalInt.empty());
    }

    /**
     * @param followUp when the model is asked again: its rejected answer and what was wrong, after the task's messages
     * @param maxTokens the max_tokens to send instead of the task's (twice it, after an answer cut off there)
     */
    public String body(Task task, ModelSpec model, Optional<FollowUp> followUp, OptionalInt maxTokens) {
        if (task.request().isPresent()) {
            return gatewayBody(task.request().get(), model, followUp, maxTokens);
        }
        ObjectNode body = json.createObjectNode();
        body.put("model", model.id());
        ArrayNode messages = body.putArray("messages");
        for (ChatMessage m : task.messages()) {
            messages.addObject().put("role", m.role()).put("content", m.content());
        }
        followUp.ifPresent(f -> append(messages, f));
        // a task without its own bound gets the model's: the provider then reserves what Rotor reserved
        if (maxTokens.isPresent()) {
            body.put("max_tokens", maxTokens.getAsInt());
        } else {
            task.maxTokens()
                    .ifPresentOrElse(
                            n -> body.put("max_tokens", n),
                            () -> model.maxTokens().ifPresent(n -> body.put("max_tokens", n)));
        }
        task.temperature().ifPresent(t -> body.put("temperature", t));
        body.setAll(task.fields());
        return write(body);
    }

    /**
     * The request of a gateway call whose stream broke, to the model that is to finish it: the text sent so far as the
     * last, assistant, message (flagged {@code prefix} for a model that needs it). Its trailing whitespace is left off:
     * Anthropic refuses a final assistant message that ends in it, and the seam is checked where the texts meet.
     *
     * @param maxTokens the bound to send instead of the caller's: what is left of it
     */
    public String continuing(ObjectNode request, ModelSpec model, String sentSoFar, OptionalInt maxTokens) {
        return gatewayBody(
                request,
                model,
                messages -> {
                    ObjectNode prefill =
                            messages.addObject().put("role", "assistant").put("content", sentSoFar.stripTrailing());
                    if (model.continuation() == Continuation.PREFIX_FLAG) {
                        prefill.put("prefix", true);
                    }
                },
                maxTokens);
    }

    private String gatewayBody(
            ObjectNode request, ModelSpec model, Optional<FollowUp> followUp, OptionalInt maxTokens) {
        return gatewayBody(
                request,
                model,
                followUp.<Consumer<ArrayNode>>map(f -> messages -> append(messages, f))
                        .orElse(null),
                maxTokens);
    }

    /**
     * The caller's body, every field as it came (tools, response_format, vendor extensions), but the model; with the
     * model's max_tokens when the caller set no bound.
     *
     * @param after adds messages after the caller's; null: none
     */
    private String gatewayBody(ObjectNode request, ModelSpec model, Consumer<ArrayNode> after, OptionalInt maxTokens) {
        ObjectNode body = json.createObjectNode();
        body.put("model", model.id());
        request.fields().forEachRemaining(f -> {
            if (!f.getKey().equals("model")) {
                body.set(f.getKey(), f.getValue());
            }
        });
        if (after != null && request.path("messages").isArray()) {
            ArrayNode messages = ((ArrayNode) request.get("messages")).deepCopy();
            after.accept(messages);
            body.set("messages", messages);
        }
        String bound = request.hasNonNull("max_completion_tokens") ? "max_completion_tokens" : "max_tokens";
        if (maxTokens.isPresent()) {
            body.put(bound, maxTokens.getAsInt());
        } else if (!request.hasNonNull("max_tokens") && !request.hasNonNull("max_completion_tokens")) {
            model.maxTokens().ifPresent(n -> body.put("max_tokens", n));
        }
        return write(body);
    }

    /**
     * The model's rejected answer, then what was wrong with it: as the user's word after text, as the tool's reply to
     * each call after tool calls (a call must be answered by its tool before anything else is said).
     */
    private static void append(ArrayNode messages, FollowUp followUp) {
        ObjectNode answer = messages.addObject().put("role", "assistant").put("content", followUp.answer());
        if (followUp.toolCalls() == null || followUp.toolCalls().isEmpty()) {
            messages.addObject().put("role", "user").put("content", followUp.message());
            return;
        }
        answer.set("tool_calls", followUp.toolCalls());
        for (JsonNode call : followUp.toolCalls()) {
            messages.addObject()
                    .put("role", "tool")
                    .put("tool_call_id", call.path("id").asText(""))
                    .put("content", followUp.toolReply());
        }
    }

    private String write(JsonNode body) {
        try {
            return json.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write a request body", e);
        }
    }
}
