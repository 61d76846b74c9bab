package dev.rotor.task;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotor.answers.Expectations;
import dev.rotor.answers.ExpectationsReader;
import java.util.List;
import java.util.Optional;

/**
 * A validated unit of work. {@code original} is the task exactly as received, returned in a dead letter. {@code chain}
 * and {@code models} are mutually optional routing hints; neither means the default chain. {@code request} is a gateway
 * caller's own chat-completions body, sent to every model as it is but for its {@code model}; empty for tasks, whose
 * body Rotor builds from {@code messages}. {@code cacheable} is false for a task that said {@code "cache": false}: it
 * always goes to a model. {@code fields}: the request fields sent on as they are (OpenAI's, and a provider's own from
 * {@code extra_body}; see {@link RequestFields}). {@code expects}: what its answer is checked against.
 */
public record Task(
        String id,
        List<ChatMessage> messages,
        Optional<Integer> maxTokens,
        Optional<Double> temperature,
        Optional<String> chain,
        List<String> models,
        ObjectNode metadata,
        ObjectNode original,
        Optional<ObjectNode> request,
        boolean cacheable,
        ObjectNode fields,
        Expectations expects) {

    /**
     * A gateway request: its body goes to the provider untouched but for {@code model}. One that asks for JSON is
     * checked as a task is; a plain one only for an answer.
     */
    public static Task ofRequest(String id, ObjectNode request) {
        return new Task(
                id,
                List.of(),
                Optional.empty(),
                Optional.empty(),
                Optional.empty(),
                List.of(),
                JsonNodeFactory.instance.objectNode(),
                request,
                Optional.of(request),
                false,
                JsonNodeFactory.instance.objectNode(),
                ExpectationsReader.readLeniently(request));
    }

    /** The same task, its answer checked only for being there. */
    public Task checkedOnlyForAnAnswer() {
        return new Task(
                id,
                messages,
                maxTokens,
                temperature,
                chain,
                models,
                metadata,
                original,
                request,
                cacheable,
                fields,
                Expectations.ANY);
    }
}
