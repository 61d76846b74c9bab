package dev.rotor.models;

import java.util.Optional;
import java.util.OptionalInt;

/**
 * One model of the registry, in rotation (priority) order.
 *
 * @param maxTokens the output a call reserves, sent as {@code max_tokens} when the task gives none
 * @param price what a call costs; empty when models.yaml names no price
 * @param ownContinuation how it finishes another model's answer, when models.yaml says so for the model itself
 */
public record ModelSpec(
        String id,
        Provider provider,
        Optional<String> limitGroup,
        RateLimits limits,
        int priority,
        OptionalInt maxTokens,
        Optional<Price> price,
        Budget budget,
        Optional<Continuation> ownContinuation) {

    public ModelSpec(String id, Provider provider, Optional<String> limitGroup, RateLimits limits, int priority) {
        this(
                id,
                provider,
                limitGroup,
                limits,
                priority,
                OptionalInt.empty(),
                Optional.empty(),
                Budget.NONE,
                Optional.empty());
    }

    /** How it finishes another model's answer: as models.yaml says for it, else for its provider. */
    public Continuation continuation() {
        return ownContinuation.orElse(provider.continuation());
    }

    /** OpenRouter's ":free" variants share the account-wide free pool. */
    public boolean isFreeVariant() {
        return id.endsWith(":free");
    }

    public ModelSpec withProvider(Provider other) {
        return new ModelSpec(id, other, limitGroup, limits, priority, maxTokens, price, budget, ownContinuation);
    }

    @Override
    public String toString() {
        return id;
    }
}
