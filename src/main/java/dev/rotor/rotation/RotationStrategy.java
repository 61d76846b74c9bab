package dev.rotor.rotation;

import dev.rotor.chat.Failure;
import dev.rotor.models.ModelSpec;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.DoubleSupplier;
import java.util.function.Predicate;

/** What differs between the ways of choosing a model: the order of candidates and what follows a failure. */
interface RotationStrategy {

    /** The usable models of the task's chain, in the order to try them. */
    List<ModelSpec> order(TaskProgress task, List<ModelSpec> usable);

    /** Whether limits (cooldowns, windows, slow start) hold calls back. */
    boolean respectsLimits();

    /** After a 429, a 402 or a 404 on the model: the model is unavailable for a while or for good. */
    Decision afterUnavailable(TaskProgress task, String why);

    /** After a transient failure (5xx, timeout, reset, a bad 200). */
    Decision afterTransient(
            TaskProgress task, ModelSpec model, Failure failure, Instant now, BooleanSupplier anotherIsFree);

    void succeeded();

    /** The model the next task with the default chain would use. */
    Optional<ModelSpec> next(List<ModelSpec> all, Predicate<ModelSpec> available);

    static RotationStrategy of(RotationConfig config, List<ModelSpec> models, DoubleSupplier random) {
        return switch (config.strategy()) {
            case PRIORITY -> new PriorityStrategy(config.rotateAfter(), config.backoff(), random);
            case STICKY -> new StickyStrategy(models, config.rotateAfter(), config.backoff(), random);
        };
    }
}
