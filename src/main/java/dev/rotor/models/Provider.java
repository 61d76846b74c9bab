package dev.rotor.models;

import java.net.URI;

/**
 * An OpenAI-compatible endpoint. {@code apiKeyEnv} is the name of the variable that holds the key, never the key
 * itself, so a models.yaml can be committed. {@code limits} and {@code budget} hold for all its models together;
 * {@code counting} is how it counts tokens against its limits.
 */
public record Provider(
        String name,
        URI baseUrl,
        String apiKeyEnv,
        TokenCounting counting,
        RateLimits limits,
        Budget budget,
        Continuation continuation) {

    public Provider(String name, URI baseUrl, String apiKeyEnv) {
        this(
                name,
                baseUrl,
                apiKeyEnv,
                TokenCounting.guessFrom(baseUrl),
                RateLimits.NONE,
                Budget.NONE,
                Continuation.guessFrom(baseUrl));
    }

    public URI chatCompletionsUrl() {
        return under("chat/completions");
    }

    /** OpenAI's list of the models the provider offers. */
    public URI modelsUrl() {
        return under("models");
    }

    private URI under(String path) {
        String base = baseUrl.toString();
        return URI.create((base.endsWith("/") ? base : base + "/") + path);
    }

    public Provider withBaseUrl(URI newBaseUrl) {
        return new Provider(name, newBaseUrl, apiKeyEnv, counting, limits, budget, continuation);
    }

    /** Whether it declares limits or a budget of its own: then its models count on a scope of its own. */
    public boolean hasOwnScope() {
        return limits.declared() || budget.declared();
    }
}
