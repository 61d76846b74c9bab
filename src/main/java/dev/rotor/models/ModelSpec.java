package dev.rotor.models;

import java.util.Optional;

/** One model of the registry, in rotation (priority) order. */
public record ModelSpec(String id, Provider provider, Optional<String> limitGroup, RateLimits limits, int priority) {

    /** OpenRouter's ":free" variants share the account-wide free pool. */
    public boolean isFreeVariant() {
        return id.endsWith(":free");
    }

    @Override
    public String toString() {
        return id;
    }
}
