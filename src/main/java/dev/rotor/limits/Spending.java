package dev.rotor.limits;

import dev.rotor.chat.TokenUsage;
import dev.rotor.models.ModelSpec;
import java.util.OptionalLong;

/**
 * What a call cost: the provider's own figure when its answer gives one (OpenRouter's usage.cost), else its usage at
 * the model's price.
 */
public final class Spending {

    private Spending() {}

    /** In pico-dollars; empty when neither the answer nor models.yaml says. */
    public static OptionalLong costOf(ModelSpec model, TokenUsage usage) {
        if (usage.costPicoUsd().isPresent()) {
            return usage.costPicoUsd();
        }
        if (model.price().isEmpty() || !usage.reported()) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(model.price().get().cost(usage.input(), usage.output()));
    }
}
