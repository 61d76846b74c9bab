package dev.rotor.limits;

import java.time.Instant;

import dev.rotor.models.Budget;

/** A budget as it stands, for people: its scope, cap and window, what was spent and is held in it, and when it resets. */
public record BudgetView(String scope, Budget.Window window, long capPicoUsd, long spentPicoUsd, Instant resetsAt) {

    public long remainingPicoUsd() {
        return Math.max(0, capPicoUsd - spentPicoUsd);
    }

    public double usedRatio() {
        return capPicoUsd == 0 ? 1 : spentPicoUsd / (double) capPicoUsd;
    }
}
