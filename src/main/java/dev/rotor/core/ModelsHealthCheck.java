package dev.rotor.core;

import dev.rotor.models.ModelSpec;
import dev.rotor.rotation.RotationPolicy;
import java.util.Map;
import org.apache.camel.health.HealthCheckResultBuilder;
import org.apache.camel.impl.health.AbstractHealthCheck;

/** DOWN while no model can take a call (all cooling, broken, gone or refused); details per model. */
public final class ModelsHealthCheck extends AbstractHealthCheck {

    private final RotationPolicy policy;
    private final Iterable<ModelSpec> models;

    public ModelsHealthCheck(RotationPolicy policy, Iterable<ModelSpec> models) {
        super("rotor", "models");
        this.policy = policy;
        this.models = models;
    }

    @Override
    public boolean isLiveness() {
        // waiting for a cooldown is not a reason to restart the process
        return false;
    }

    @Override
    protected void doCall(HealthCheckResultBuilder builder, Map<String, Object> options) {
        boolean any = false;
        for (ModelSpec m : models) {
            boolean available = policy.isAvailable(m);
            any |= available;
            builder.detail(
                    m.id(),
                    available
                            ? "available"
                            : policy.isGone(m)
                                    ? "gone"
                                    : "unavailable until "
                                            + policy.cooldownUntil(m)
                                                    .map(Object::toString)
                                                    .orElse("breaker closes"));
        }
        if (any) {
            builder.up();
        } else {
            builder.message("no model is available").down();
        }
    }
}
