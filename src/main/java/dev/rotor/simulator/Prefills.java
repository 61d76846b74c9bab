package dev.rotor.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collection;
import java.util.Optional;

/**
 * What a simulated model does with a request whose last message is the assistant's, as real providers do:
 *
 * <ul>
 *   <li>{@code prefill} (Anthropic, Groq): the model goes on from that text and sends only what follows; a final
 *       assistant message that ends in whitespace is refused with 400, as Anthropic refuses it;
 *   <li>{@code prefill-repeats}: the same, but its answer starts by saying the prefill's last two words again, as
 *       models sometimes do at a seam;
 *   <li>{@code prefix-flag} (DeepSeek, Mistral): goes on only when the message carries {@code "prefix": true}, else
 *       answers afresh;
 *   <li>{@code none} (OpenAI): answers afresh, as to a new turn;
 *   <li>{@code reject} (newer Anthropic models): 400, the conversation must end with a user message.
 * </ul>
 */
final class Prefills {

    static final String REJECTED = "This model does not support assistant message prefill. The conversation must end "
            + "with a user message.";
    static final String TRAILING_WHITESPACE = "messages: final assistant content cannot end with trailing whitespace";

    private Prefills() {}

    /** The 400's message when the model refuses the request's prefill. */
    static Optional<String> refusal(String mode, JsonNode request) {
        JsonNode last = lastAssistant(request);
        if (last == null) {
            return Optional.empty();
        }
        if (mode.equals("reject")) {
            return Optional.of(REJECTED);
        }
        String text = last.path("content").asText("");
        boolean prefills = mode.startsWith("prefill");
        if (prefills && !text.isEmpty() && Character.isWhitespace(text.charAt(text.length() - 1))) {
            return Optional.of(TRAILING_WHITESPACE);
        }
        return Optional.empty();
    }

    /**
     * What the model answers when it goes on from the request's prefill: the rest of the answer a model of the scenario
     * would have given whole (the simulator's models agree on what they say), empty when it answers afresh.
     *
     * @param whole the answer each model would give to the request's prompt
     */
    static Optional<String> continuation(String mode, JsonNode request, Collection<String> whole) {
        JsonNode last = lastAssistant(request);
        if (last == null
                || mode.equals("none")
                || mode.equals("reject")
                || (mode.equals("prefix-flag") && !last.path("prefix").asBoolean(false))) {
            return Optional.empty();
        }
        String prefill = last.path("content").asText("");
        String rest = whole.stream()
                .filter(w -> w.startsWith(prefill))
                .findFirst()
                .map(w -> w.substring(prefill.length()))
                .orElse(" and that is all.");
        if (mode.equals("prefill-repeats")) {
            String[] words = prefill.split(" ");
            if (words.length >= 2) {
                rest = words[words.length - 2] + " " + words[words.length - 1] + rest;
            }
        }
        return Optional.of(rest);
    }

    /** The prompt a request asks: its last user message. */
    static String prompt(JsonNode request) {
        JsonNode messages = request.path("messages");
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.path(i).path("role").asText("user").equals("user")) {
                return messages.path(i).path("content").asText("");
            }
        }
        return "";
    }

    private static JsonNode lastAssistant(JsonNode request) {
        JsonNode messages = request.path("messages");
        JsonNode last = messages.path(messages.size() - 1);
        return last.path("role").asText("").equals("assistant") && !last.has("tool_calls") ? last : null;
    }
}
