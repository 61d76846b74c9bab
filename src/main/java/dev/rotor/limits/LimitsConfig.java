package dev.rotor.limits;

/**
 * Immutable settings of the limit state.
 *
 * @param useDeclared pace calls by the limits models.yaml declares
 * @param learn       learn each limit's size and window from responses and pace by it, with a probe first after a
 *                    cooldown whose room is unknown. False is the behaviour before learning: cool down until the
 *                    reset, then let every waiting call go
 */
public record LimitsConfig(boolean useDeclared, boolean learn) {

    public static final boolean DEFAULT_USE_DECLARED = true;
    public static final boolean DEFAULT_LEARN = true;

    public static LimitsConfig defaults() {
        return new LimitsConfig(DEFAULT_USE_DECLARED, DEFAULT_LEARN);
    }
}
