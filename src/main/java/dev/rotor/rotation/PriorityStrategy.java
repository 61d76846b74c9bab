package dev.rotor.rotation;

import dev.rotor.chat.Failure;
import dev.rotor.models.ModelSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleSupplier;
import java.util.function.Predicate;

/**
 * Every attempt takes the highest-priority model that is available: traffic goes back to the primary as soon as it
 * frees. A model that is unavailable is rotated away from at once; one that fails transiently is retried with backoff,
 * and left after {@code rotateAfter} failures in a row.
 */
final class PriorityStrategy implements RotationStrategy {

    private final int rotateAfter;
    private final Backoff backoff;
    private final DoubleSupplier random;

    PriorityStrategy(int rotateAfter, Backoff backoff, DoubleSupplier random) {
        this.rotateAfter = rotateAfter;
        this.backoff = backoff;
        this.random = random;
    }

    /** The model the task is pinned to, then those it has not rotated away from, then the rest; chains are short. */
    @Override
    public List<ModelSpec> order(TaskProgress task, List<ModelSpec> usable) {
        List<ModelSpec> order = new ArrayList<>(usable.size());
        task.pinned().filter(usable::contains).ifPresent(order::add);
        for (ModelSpec m : usable) {
            if (task.canUse(m) && !order.contains(m)) {
                order.add(m);
            }
        }
        for (ModelSpec m : usable) {
            if (!order.contains(m)) {
                order.add(m);
            }
        }
        return order;
    }

    @Override
    public boolean respectsLimits() {
        return true;
    }

    @Override
    public Decision afterUnavailable(TaskProgress task, String why) {
        task.unpin();
        return new Decision.Retry(Duration.ZERO, why);
    }

    @Override
    public Decision afterTransient(
            TaskProgress task, ModelSpec model, Failure failure, Instant now, BooleanSupplier anotherIsFree) {
        int inARow = task.transientFailureOn(model);
        if (failure.silent() && anotherIsFree.getAsBoolean()) {
            // a provider that took the call and went quiet is not waited on twice while another model is free
            task.rotateAwayFrom(model);
            return new Decision.Retry(Duration.ZERO, model.id() + " stayed silent (" + failure.message() + ")");
        }
        if (inARow >= rotateAfter) {
            task.rotateAwayFrom(model);
            String why = inARow + " transient failures in a row on " + model.id();
            if (anotherIsFree.getAsBoolean()) {
                return new Decision.Retry(Duration.ZERO, why);
            }
            // nothing else to rotate to (the others cooling or their breakers open): the retry lands on this model
            // again, so it keeps the backoff instead of coming straight back
            return new Decision.Retry(
                    backoff.delay(inARow, random.getAsDouble()), why + ", and no other model is free");
        }
        Duration delay = backoff.delay(inARow, random.getAsDouble());
        Duration asked = failure.retryAt().map(t -> Duration.between(now, t)).orElse(Duration.ZERO);
        return new Decision.Retry(asked.compareTo(delay) > 0 ? asked : delay, failure.message());
    }

    @Override
    public void succeeded() {}

    @Override
    public Optional<ModelSpec> next(List<ModelSpec> all, Predicate<ModelSpec> available) {
        return all.stream().filter(available).findFirst();
    }
}
