package dev.rotor.rotation;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/** The policy's answer to "this call failed: what now?". */
public sealed interface Decision {

    /** Try again after {@code delay} (zero: at once, on whatever model selection then gives). */
    record Retry(Duration delay, String why) implements Decision {}

    /**
     * Wait too long to hold a transacted consumer: hand the task back to its queue with this delivery delay, in the
     * same transaction, to be taken again then.
     */
    record Park(Duration delay, String why) implements Decision {}

    /**
     * Stop with no outcome written: the task's input stays with its transport (a file in the inbox, a message rolled
     * back) to be taken again. For an outcome its output refused until Rotor stopped.
     */
    record Keep(String why) implements Decision {}

    /**
     * Stop: the task goes to the dead letter with this type and reason. {@code freeAt}: when a model would have been
     * free, for a task that could not wait so long (a gateway caller is told when to come back).
     */
    record GiveUp(DeadLetterType type, String reason, Optional<Instant> freeAt) implements Decision {

        public GiveUp(DeadLetterType type, String reason) {
            this(type, reason, Optional.empty());
        }
    }
}
