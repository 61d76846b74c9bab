package dev.rotor.models;

import java.net.URI;

/**
 * An OpenAI-compatible endpoint. {@code apiKeyEnv} is the name of the variable that holds the key,
 * never the key itself, so a models.yaml can be committed.
 */
public record Provider(String name, URI baseUrl, String apiKeyEnv) {

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
        return new Provider(name, newBaseUrl, apiKeyEnv);
    }
}
