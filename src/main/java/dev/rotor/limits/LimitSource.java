package dev.rotor.limits;

import java.util.Locale;

/** Where the figure of a limit came from. A header's always wins over a learned one. */
public enum LimitSource {
    /** models.yaml */
    DECLARED,
    /** a response's rate-limit headers */
    HEADER,
    /** counted: the calls that succeeded before a 429 */
    LEARNED;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
