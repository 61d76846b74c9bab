package dev.rotor.gateway;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotor.limits.InputEstimates;

/**
 * The usage of one caller's answer summed over the calls it took. A broken call reported none, so its tokens are
 * counted here: the request's prompt (and the prefill it was sent, for a continuation) and the text it gave.
 */
final class StreamUsage {

    private final long promptTokens;
    private long brokenPrompt;
    private long brokenCompletion;

    /** @param promptTokens the request's prompt tokens as counted at intake (0: not counted) */
    StreamUsage(long promptTokens) {
        this.promptTokens = promptTokens;
    }

    /** A call broke: it was sent {@code prefill} (empty for the first) and gave {@code text} before it broke. */
    void broke(String prefill, String text) {
        brokenPrompt += promptTokens + (prefill.isEmpty() ? 0 : InputEstimates.tokens(prefill));
        brokenCompletion += InputEstimates.tokens(text);
    }

    /** Adds the broken calls' tokens to the usage the last call reported. */
    void addTo(ObjectNode usage) {
        if (brokenPrompt == 0 && brokenCompletion == 0) {
            return;
        }
        long prompt = usage.path("prompt_tokens").asLong(0) + brokenPrompt;
        long completion = usage.path("completion_tokens").asLong(0) + brokenCompletion;
        usage.put("prompt_tokens", prompt)
                .put("completion_tokens", completion)
                .put("total_tokens", prompt + completion);
    }
}
