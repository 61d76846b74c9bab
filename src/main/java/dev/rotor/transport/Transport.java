package dev.rotor.transport;

import java.util.Locale;

/** How a task came to Rotor: its intake, and so where its outcome goes. */
public enum Transport {
    FILE,
    JMS,
    KAFKA,
    HTTP;

    /** The name in metrics' tags, settings and the status page. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
