package dev.rotor.rotation;

import dev.rotor.models.ModelSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Which models have stopped following a kind of task (JSON, tools): one whose answers fail that kind's format checks
 * {@code after} times in a row loses such tasks for {@code skipFor}, as a breaker would; it keeps every other kind. A
 * model that ignores {@code response_format} so stops taking JSON tasks for a while and still takes plain ones. Kept
 * per process, by the policy's lock.
 */
final class AnswerTrust {

    private record Key(String model, String kind) {}

    private static final class Record {
        int inARow;
        Instant skippedUntil;
    }

    private final int after;
    private final Duration skipFor;
    private final Map<Key, Record> records = new HashMap<>();

    AnswerTrust(int after, Duration skipFor) {
        this.after = after;
        this.skipFor = skipFor;
    }

    /** An answer of this kind failed a format check; true when that made the model lose the kind for a while. */
    boolean failed(ModelSpec model, String kind, Instant now) {
        if (isPlain(kind)) {
            return false;
        }
        Record r = records.computeIfAbsent(new Key(model.id(), kind), k -> new Record());
        if (++r.inARow < after) {
            return false;
        }
        r.inARow = 0;
        r.skippedUntil = now.plus(skipFor);
        return true;
    }

    void passed(ModelSpec model, String kind) {
        Record r = records.get(new Key(model.id(), kind));
        if (r != null) {
            r.inARow = 0;
        }
    }

    /** Until when the model does not take tasks of this kind; empty when it does. */
    Optional<Instant> skippedUntil(ModelSpec model, String kind, Instant now) {
        Record r = isPlain(kind) ? null : records.get(new Key(model.id(), kind));
        return r == null || r.skippedUntil == null || !r.skippedUntil.isAfter(now)
                ? Optional.empty()
                : Optional.of(r.skippedUntil);
    }

    private static boolean isPlain(String kind) {
        return "plain".equals(kind);
    }
}
