package dev.rotor.models;

import java.net.URI;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * How a model finishes an answer another model began: the text so far is sent as the last, assistant, message.
 *
 * <ul>
 *   <li>{@code prefill}: the model takes a final assistant message as the start of its own answer and sends only what
 *       follows (Anthropic, Groq, OpenRouter for the models that allow it, most local servers);
 *   <li>{@code prefix-flag}: the same, with {@code "prefix": true} on that message (DeepSeek, Mistral);
 *   <li>{@code none}: the model cannot (OpenAI answers such a request as a new turn; newer models refuse it with 400).
 * </ul>
 */
public enum Continuation {
    PREFILL,
    PREFIX_FLAG,
    NONE;

    private static final Set<String> PREFIX_FLAG_HOSTS = Set.of("api.deepseek.com", "api.mistral.ai");

    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public boolean canContinue() {
        return this != NONE;
    }

    public static Optional<Continuation> ofLabel(String label) {
        for (Continuation c : values()) {
            if (c.label().equals(label.strip().toLowerCase(Locale.ROOT))) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    /** What a provider's base URL suggests, from the providers' own documents, for one models.yaml says nothing of. */
    public static Continuation guessFrom(URI baseUrl) {
        String host = baseUrl.getHost() == null ? "" : baseUrl.getHost().toLowerCase(Locale.ROOT);
        if (host.equals("api.openai.com") || host.endsWith(".openai.azure.com")) {
            return NONE;
        }
        return PREFIX_FLAG_HOSTS.contains(host) ? PREFIX_FLAG : PREFILL;
    }
}
