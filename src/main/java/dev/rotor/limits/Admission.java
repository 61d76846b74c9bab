package dev.rotor.limits;

import dev.rotor.models.Unit;
import java.time.Instant;

/** The limit state's answer to "may a call on this model leave now?". */
public sealed interface Admission {

    /** Yes, and it is counted. */
    record Granted(Permit permit) implements Admission {}

    /** Not before this instant (or, for a probe whose answer is awaited, look again then). */
    record NotBefore(Instant at) implements Admission {}

    /**
     * Not before {@code until}: a budget of {@code scope} has no room for the call's worst case until its window resets
     * ({@code never}: its worst case is more than the whole budget).
     */
    record OverBudget(String scope, Instant until, boolean never) implements Admission {}

    /** Never on this model: the call needs more of a unit than the scope's whole limit holds. */
    record TooLarge(String scope, Unit unit, long limit, long need) implements Admission {

        @Override
        public String toString() {
            return "needs " + need + " " + unit.label() + " where " + scope + " allows " + limit;
        }
    }
}
