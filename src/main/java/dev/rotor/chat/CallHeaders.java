package dev.rotor.chat;

import dev.rotor.models.Provider;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/** The headers every call to a provider carries: its key, the referrer headers, what it sends and takes. */
public final class CallHeaders {

    public static final String AUTHORIZATION = "Authorization";

    private final Function<Provider, Optional<String>> keyOf;
    private final Map<String, String> referrer;

    /** @param keyOf the provider's API key, if it has one */
    public CallHeaders(Function<Provider, Optional<String>> keyOf, Map<String, String> referrer) {
        this.keyOf = keyOf;
        this.referrer = Map.copyOf(referrer);
    }

    public Map<String, String> of(Provider provider) {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        headers.put("Accept", "application/json");
        keyOf.apply(provider).ifPresent(key -> headers.put(AUTHORIZATION, "Bearer " + key));
        headers.putAll(referrer);
        return headers;
    }
}
