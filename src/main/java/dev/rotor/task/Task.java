package dev.rotor.task;

import java.util.List;
import java.util.Optional;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A validated unit of work. {@code original} is the task exactly as received, returned in a dead letter.
 * {@code chain} and {@code models} are mutually optional routing hints; neither means the default chain.
 */
public record Task(String id, List<ChatMessage> messages, Optional<Integer> maxTokens, Optional<Double> temperature,
                   Optional<String> chain, List<String> models, ObjectNode metadata, ObjectNode original) {
}
