package dev.rotor.models;

import java.net.URI;

/**
 * An OpenAI-compatible endpoint. {@code apiKeyEnv} is the name of the variable that holds the key,
 * never the key itself, so a models.yaml can be committed.
 */
public record Provider(String name, URI baseUrl, String apiKeyEnv) {

    public URI chatCompletionsUrl() {
        String base = baseUrl.toString();
        return URI.create((base.endsWith("/") ? base : base + "/") + "chat/completions");
    }

    public Provider withBaseUrl(URI newBaseUrl) {
        return new Provider(name, newBaseUrl, apiKeyEnv);
    }
}
