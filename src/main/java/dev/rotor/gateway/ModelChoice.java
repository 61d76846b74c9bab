package dev.rotor.gateway;

import dev.rotor.models.ModelRegistry;
import dev.rotor.models.ModelSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Which models a request's {@code model} names: a chain of models.yaml, one model (that model first, then the rest of
 * the default chain), or {@code rotor} or nothing at all (the default chain).
 */
public final class ModelChoice {

    /** The name that asks for the default chain. */
    public static final String DEFAULT = "rotor";

    private final ModelRegistry registry;

    public ModelChoice(ModelRegistry registry) {
        this.registry = registry;
    }

    public List<ModelSpec> chainFor(Optional<String> requested) throws GatewayException {
        String name = requested.map(String::strip).orElse("");
        if (name.isEmpty() || name.equals(DEFAULT)) {
            return registry.models();
        }
        Optional<List<ModelSpec>> chain = registry.chain(name);
        if (chain.isPresent()) {
            return chain.get();
        }
        Optional<ModelSpec> model = registry.model(name);
        if (model.isEmpty()) {
            throw new GatewayException(new OpenAiError(
                    404,
                    "The model '" + name + "' is neither a model nor a chain "
                            + "of this Rotor; GET /v1/models lists them",
                    "invalid_request_error",
                    "model_not_found",
                    "model",
                    OptionalLong.empty()));
        }
        List<ModelSpec> first = new ArrayList<>(registry.models().size());
        first.add(model.get());
        registry.models().stream().filter(m -> !m.equals(model.get())).forEach(first::add);
        return first;
    }
}
