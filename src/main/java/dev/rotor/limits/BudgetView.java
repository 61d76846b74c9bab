package dev.rotor.limits;

import dev.rotor.models.Budget;
import java.time.Instant;

/**
 * A budget as it stands, for people: its scope, cap and window, what was spent and is held in it, and when it resets.
 */
public record BudgetView(String scope, Budget.Window window, long capPicoUsd, long spentPicoUsd, Instant resetsAt) {

    /** While calls on their way hold the room a call needs, it looks again this soon: their answers settle it. */
    public static final long RECHECK_MS = 250;

    public long remainingPicoUsd() {
        return Math.max(0, capPicoUsd - spentPicoUsd);
    }

    public double usedRatio() {
        return capPicoUsd == 0 ? 1 : spentPicoUsd / (double) capPicoUsd;
    }
}
