package dev.rotor.models;

import java.net.URI;
import java.util.Locale;
import java.util.Optional;

/**
 * How a provider counts a call's tokens against its limits, which decides what Rotor reserves before a call and keeps
 * after it:
 *
 * <ul>
 *   <li>{@code openai} (OpenAI, Groq, Azure OpenAI): a tokens limit counts the input and the whole {@code max_tokens}
 *       when the call is admitted, and keeps them; cached input counts.
 *   <li>{@code anthropic}: the input limit counts input and cache writes, not cache reads; the output limit reserves
 *       {@code max_tokens} and settles to the output.
 *   <li>{@code gemini}: counts input tokens only.
 *   <li>{@code usage} (any other): reserves input and {@code max_tokens}, settles to the answer's usage.
 * </ul>
 */
public enum TokenCounting {
    OPENAI,
    ANTHROPIC,
    GEMINI,
    USAGE;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<TokenCounting> ofLabel(String label) {
        for (TokenCounting c : values()) {
            if (c.label().equals(label.strip().toLowerCase(Locale.ROOT))) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    /** The rule a provider's base URL suggests, for a provider models.yaml says nothing of. */
    public static TokenCounting guessFrom(URI baseUrl) {
        String host = baseUrl.getHost() == null ? "" : baseUrl.getHost().toLowerCase(Locale.ROOT);
        if (host.equals("api.openai.com") || host.equals("api.groq.com") || host.endsWith(".openai.azure.com")) {
            return OPENAI;
        }
        if (host.equals("api.anthropic.com")) {
            return ANTHROPIC;
        }
        if (host.equals("generativelanguage.googleapis.com")) {
            return GEMINI;
        }
        return USAGE;
    }
}
