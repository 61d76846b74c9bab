package dev.rotor.rotation;

import dev.rotor.chat.Failure;
import dev.rotor.models.ModelSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleSupplier;
import java.util.function.Predicate;

/**
 * The prototype's behaviour, kept for comparison: stay on the current model whatever its limits say, advance to the
 * next (wrapping round) after {@code rotateAfter} failures in a row, and wait out a backoff before every retry.
 */
final class StickyStrategy implements RotationStrategy {

    private final int rotateAfter;
    private final Backoff backoff;
    private final DoubleSupplier random;
    /** The registry's models in priority order: the ring the prototype walks. */
    private final List<ModelSpec> all;

    private int current;
    private int failuresInARow;

    StickyStrategy(List<ModelSpec> all, int rotateAfter, Backoff backoff, DoubleSupplier random) {
        this.all = List.copyOf(all);
        this.rotateAfter = rotateAfter;
        this.backoff = backoff;
        this.random = random;
    }

    /** From the current model on, round the whole registry; the prototype knew nothing of cooldowns. */
    @Override
    public List<ModelSpec> order(TaskProgress task, List<ModelSpec> usable) {
        List<ModelSpec> fromCurrent = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) {
            ModelSpec m = all.get((current + i) % all.size());
            if (usable.contains(m)) {
                fromCurrent.add(m);
            }
        }
        return fromCurrent;
    }

    @Override
    public boolean respectsLimits() {
        return false;
    }

    @Override
    public Decision afterUnavailable(TaskProgress task, String why) {
        if (++failuresInARow >= rotateAfter) {
            current = (current + 1) % all.size();
            failuresInARow = 0;
        }
        return new Decision.Retry(backoff.delay(task.calls(), random.getAsDouble()), why);
    }

    @Override
    public Decision afterTransient(
            TaskProgress task, ModelSpec model, Failure failure, Instant now, BooleanSupplier anotherIsFree) {
        return afterUnavailable(task, failure.message());
    }

    @Override
    public void succeeded() {
        failuresInARow = 0;
    }

    @Override
    public Optional<ModelSpec> next(List<ModelSpec> models, Predicate<ModelSpec> available) {
        return Optional.of(all.get(current));
    }
}
