package dev.rotor.camel;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

import dev.rotor.models.Provider;

/**
 * Finds each provider's key by the variable name models.yaml gives, through Camel's property resolution:
 * the environment first, then system properties. The key never leaves this class but as a request header.
 */
public final class ApiKeys {

    private final Function<String, Optional<String>> lookup;
    /** By variable name. The environment does not change under a running process, and resolving costs on every call. */
    private final Map<String, Optional<String>> resolved = new ConcurrentHashMap<>();

    public ApiKeys(Function<String, Optional<String>> lookup) {
        this.lookup = lookup;
    }

    public Optional<String> keyOf(Provider provider) {
        if (provider.apiKeyEnv() == null || provider.apiKeyEnv().isBlank()) {
            return Optional.empty();
        }
        return resolved.computeIfAbsent(provider.apiKeyEnv(),
                variable -> lookup.apply(variable).map(String::strip).filter(k -> !k.isEmpty()));
    }

    /** Local servers such as Ollama need no key: a provider that names no variable is not missing one. */
    public boolean isMissing(Provider provider) {
        return provider.apiKeyEnv() != null && !provider.apiKeyEnv().isBlank() && keyOf(provider).isEmpty();
    }
}
