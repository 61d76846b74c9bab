package dev.rotor.task;

import java.util.Set;
import java.util.TreeSet;

/**
 * The one rule for the fields of what Rotor sends a provider, for tasks and the gateway alike:
 *
 * <ul>
 *   <li>OpenAI's chat-completions fields in {@link #PASSED} go to the provider as they are;
 *   <li>a provider's own fields go verbatim too: in a task, inside {@code extra_body} (as the OpenAI SDKs name it); in
 *       a gateway request, anywhere, as its client sends the provider's API;
 *   <li>{@link #ROTORS} are Rotor's: {@code model} and {@code messages} it sets itself;
 *   <li>a task field that is none of these is an error that names it.
 * </ul>
 *
 * What an answer is checked against is read from the fields sent ({@code response_format}, {@code tools},
 * {@code tool_choice}), so a task and a gateway request that send the same are checked the same.
 */
public final class RequestFields {

    /** OpenAI's request fields a task may carry, sent as they are. */
    public static final Set<String> PASSED = Set.of(
            "response_format",
            "tools",
            "tool_choice",
            "parallel_tool_calls",
            "stop",
            "seed",
            "top_p",
            "presence_penalty",
            "frequency_penalty",
            "reasoning_effort",
            "logprobs",
            "top_logprobs",
            "logit_bias",
            "user");

    /** A task's own fields: what to ask, how to route it, what to return with it. */
    public static final Set<String> TASK = Set.of(
            "id",
            "prompt",
            "messages",
            "system",
            "max_tokens",
            "temperature",
            "chain",
            "models",
            "metadata",
            "cache",
            "accept",
            "extra_body");

    /**
     * What Rotor sets on every request itself: a task's {@code extra_body} may not (a bound there would undo the wider
     * max_tokens after a cut-off, and what the call reserved). Rotor makes one choice per call: no {@code n}.
     */
    public static final Set<String> ROTORS = Set.of(
            "model", "messages", "stream", "stream_options", "n", "max_tokens", "max_completion_tokens", "temperature");

    private RequestFields() {}

    /** The message for a task field that is not known. */
    static String unknown(String field) {
        if (ROTORS.contains(field)) {
            return "'" + field + "' is not a task field: Rotor sets it on every request itself";
        }
        return "unknown field '" + field + "': a task takes " + sorted(TASK) + "; OpenAI's request fields "
                + sorted(PASSED) + " are sent on as they are; put a provider's own fields in 'extra_body'";
    }

    private static String sorted(Set<String> fields) {
        return String.join(", ", new TreeSet<>(fields));
    }
}
