package dev.rotor.limits;

import java.util.OptionalLong;

/**
 * What one call on one model reserves before it leaves: its cost in every unit, and the figures behind it (the input as
 * counted locally and as corrected for the model, the output reserved), so the answer can settle it; {@code task} is
 * whose call it is ("" when none is named), so that a task waiting for room keeps its place; {@code worstCost} what the
 * call costs at most in pico-dollars (input estimate and the whole output at the model's prices), empty when its price
 * is not known.
 */
public record Reservation(
        CallCost cost, long rawInputTokens, long inputTokens, long outputTokens, String task, OptionalLong worstCost) {

    /** A call of unknown size: one request. */
    public static final Reservation ONE_CALL = new Reservation(CallCost.ONE_CALL, 0, 0, 0, "", OptionalLong.empty());

    public Reservation(CallCost cost, long rawInputTokens, long inputTokens, long outputTokens) {
        this(cost, rawInputTokens, inputTokens, outputTokens, "", OptionalLong.empty());
    }

    public Reservation forTask(String taskId) {
        return new Reservation(cost, rawInputTokens, inputTokens, outputTokens, taskId, worstCost);
    }

    /** What a budget holds for the call: its worst case, or nothing when its price is unknown. */
    public long budgetHold() {
        return worstCost.orElse(0);
    }
}
