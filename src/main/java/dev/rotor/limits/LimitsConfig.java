package dev.rotor.limits;

/**
 * Immutable settings of the limit state.
 *
 * @param useDeclared pace calls by the limits models.yaml declares
 * @param learn learn each limit's size and window from responses and pace by it, with a probe first after a cooldown
 *     whose room is unknown. False is the behaviour before learning: cool down until the reset, then let every waiting
 *     call go
 * @param paceTokens pace by token limits (declared, announced, in 429 bodies) as by request limits; false paces by
 *     requests alone, as Rotor did before it counted tokens (kept for comparison)
 */
public record LimitsConfig(boolean useDeclared, boolean learn, boolean paceTokens) {

    public static final boolean DEFAULT_USE_DECLARED = true;
    public static final boolean DEFAULT_LEARN = true;
    public static final boolean DEFAULT_PACE_TOKENS = true;

    public LimitsConfig(boolean useDeclared, boolean learn) {
        this(useDeclared, learn, DEFAULT_PACE_TOKENS);
    }

    public static LimitsConfig defaults() {
        return new LimitsConfig(DEFAULT_USE_DECLARED, DEFAULT_LEARN, DEFAULT_PACE_TOKENS);
    }
}
