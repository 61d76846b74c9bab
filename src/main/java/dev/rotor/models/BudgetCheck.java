package dev.rotor.models;

import java.util.ArrayList;
import java.util.List;

/**
 * A budget is kept only as well as every call under it is priced: a model under one with no price in models.yaml would
 * spend without bound while counting nothing. Such a models.yaml stops Rotor at start.
 */
public final class BudgetCheck {

    private BudgetCheck() {}

    /** @throws IllegalArgumentException naming the first model under a budget that has no price, and the budget */
    public static void requirePrices(ModelRegistry registry, Budget global) {
        for (ModelSpec m : registry.models()) {
            if (m.price().isPresent()) {
                continue;
            }
            List<String> over = budgetsOver(registry, m, global);
            if (!over.isEmpty()) {
                throw new IllegalArgumentException(
                        "model " + m.id() + " is under the budget of " + String.join(" and ", over)
                                + " but has no price: give it price: { input-per-million: ..., output-per-million: ... } in "
                                + "models.yaml (0 for a model that costs nothing); an unknown price is never counted as $0");
            }
        }
    }

    private static List<String> budgetsOver(ModelRegistry registry, ModelSpec m, Budget global) {
        List<String> over = new ArrayList<>();
        if (m.budget().declared()) {
            over.add("the model");
        }
        m.limitGroup().filter(g -> registry.groupBudget(g).declared()).ifPresent(g -> over.add("limit group " + g));
        if (m.provider().budget().declared()) {
            over.add("provider " + m.provider().name());
        }
        if (global.declared()) {
            over.add("rotor.budget");
        }
        return over;
    }
}
