package dev.rotor.rotation;

import java.util.Locale;

/** How the next model is chosen. */
public enum Strategy {
    /** Every attempt takes the highest-priority model that is available now. */
    PRIORITY,
    /** The prototype's behaviour: stay on the current model, advance after rotate-after consecutive failures. */
    STICKY;

    public static Strategy parse(String value) {
        try {
            return valueOf(value.strip().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "rotor.rotation.strategy must be 'priority' or 'sticky', got '" + value + "'");
        }
    }
}
