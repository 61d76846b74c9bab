package dev.rotor.limits;

import dev.rotor.chat.LimitScope;
import dev.rotor.models.ModelSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * Names the scopes a limit can apply to: {@code model:<id>}, {@code group:<limit-group>}, for OpenRouter's ":free"
 * variants {@code pool:<provider>:free}, and {@code provider:<name>} for a provider that declares limits or a budget of
 * its own. Every call counts against all of its model's scopes.
 */
public final class ScopeKeys {

    /** The scope of the global budget, which every call counts on. */
    public static final String ALL = "all";

    private ScopeKeys() {}

    /** Every scope a call on the model counts against and can be held back by. */
    public static List<String> of(ModelSpec m) {
        List<String> keys = new ArrayList<>(4);
        keys.add(model(m));
        m.limitGroup().ifPresent(g -> keys.add(group(g)));
        if (m.isFreeVariant()) {
            keys.add(pool(m));
        }
        if (m.provider().hasOwnScope()) {
            keys.add(provider(m));
        }
        return List.copyOf(keys);
    }

    /**
     * The scope a signal describes, by the rules for 429s: a named pool cools every free model of the provider (for
     * other models, the model), a limit no one named its model's limit group (else the model), an upstream provider's
     * own limit the model alone.
     */
    public static String of(ModelSpec m, LimitScope scope) {
        return switch (scope) {
            case MODEL -> model(m);
            case PROVIDER_FREE_POOL -> m.isFreeVariant() ? pool(m) : model(m);
            case UNSPECIFIED -> m.limitGroup().map(ScopeKeys::group).orElse(model(m));
        };
    }

    public static String model(ModelSpec m) {
        return "model:" + m.id();
    }

    public static String group(String group) {
        return "group:" + group;
    }

    /** A provider's own limits and budget, declared in models.yaml, over all its models. */
    public static String provider(ModelSpec m) {
        return "provider:" + m.provider().name();
    }

    public static String pool(ModelSpec m) {
        return "pool:" + m.provider().name() + ":free";
    }
}
