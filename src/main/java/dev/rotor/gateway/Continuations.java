package dev.rotor.gateway;

import dev.rotor.models.ModelSpec;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which models can finish a broken stream: those models.yaml (or their provider's URL) says can, less those that
 * refused a prefill with 400 since Rotor started. A refusal is learned, not retried: the model is {@code none} from
 * then on.
 */
final class Continuations {

    private static final Logger LOG = LoggerFactory.getLogger(Continuations.class);

    private final Set<String> refused = ConcurrentHashMap.newKeySet();

    boolean canContinue(ModelSpec model) {
        return model.continuation().canContinue() && !refused.contains(model.id());
    }

    void refused(ModelSpec model, String why) {
        if (refused.add(model.id())) {
            LOG.warn(
                    "{} refused to finish another model's answer ({}): it is taken as continuation none from now on",
                    model.id(),
                    why);
        }
    }
}
