package dev.rotor.core;

import dev.rotor.models.Provider;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.apache.camel.spi.PropertiesComponent;

/**
 * Finds each provider's key by the variable name models.yaml gives: the environment first, then system properties, then
 * Camel's own property sources. The key never leaves this class but as a request header.
 */
public final class ApiKeys {

    private final Function<String, Optional<String>> lookup;
    /** By variable name. The environment does not change under a running process, and resolving costs on every call. */
    private final Map<String, Optional<String>> resolved = new ConcurrentHashMap<>();

    public ApiKeys(Function<String, Optional<String>> lookup) {
        this.lookup = lookup;
    }

    /**
     * A lookup that bypasses {@link PropertiesComponent#resolveProperty}: Camel records every property resolved that
     * way and lists it, value and all, in its start-up summary, and it masks only names it knows to be secret.
     */
    public static Function<String, Optional<String>> untracked(PropertiesComponent camelProperties) {
        return variable -> Optional.ofNullable(System.getenv(variable))
                .or(() -> Optional.ofNullable(System.getProperty(variable)))
                .or(() -> Optional.ofNullable(
                        camelProperties.loadProperties(variable::equals).getProperty(variable)));
    }

    public Optional<String> keyOf(Provider provider) {
        if (provider.apiKeyEnv() == null || provider.apiKeyEnv().isBlank()) {
            return Optional.empty();
        }
        return resolved.computeIfAbsent(
                provider.apiKeyEnv(),
                variable -> lookup.apply(variable).map(String::strip).filter(k -> !k.isEmpty()));
    }

    /** Local servers such as Ollama need no key: a provider that names no variable is not missing one. */
    public boolean isMissing(Provider provider) {
        return provider.apiKeyEnv() != null
                && !provider.apiKeyEnv().isBlank()
                && keyOf(provider).isEmpty();
    }
}
