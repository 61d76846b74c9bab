package dev.rotor.limits;

import java.time.Instant;

/** The limit state's answer to "may a call on this model leave now?". */
public sealed interface Admission {

    /** Yes, and it is counted. */
    record Granted(Permit permit) implements Admission {
    }

    /** Not before this instant (or, for a probe whose answer is awaited, look again then). */
    record NotBefore(Instant at) implements Admission {
    }
}
