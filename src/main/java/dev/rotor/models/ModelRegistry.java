package dev.rotor.models;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/** What models.yaml declares: providers, models in priority order, limit groups and named chains. */
public final class ModelRegistry {

    private final Map<String, Provider> providers;
    private final Map<String, ModelSpec> models;
    private final Map<String, RateLimits> limitGroups;
    private final Map<String, Budget> groupBudgets;
    private final Map<String, List<ModelSpec>> chains;

    ModelRegistry(
            Map<String, Provider> providers,
            List<ModelSpec> models,
            Map<String, RateLimits> limitGroups,
            Map<String, Budget> groupBudgets,
            Map<String, List<String>> chainIds) {
        this.providers = Map.copyOf(providers);
        this.groupBudgets = Map.copyOf(groupBudgets);
        LinkedHashMap<String, ModelSpec> byId = new LinkedHashMap<>();
        models.forEach(m -> byId.put(m.id(), m));
        this.models = Collections.unmodifiableMap(byId);
        this.limitGroups = Map.copyOf(limitGroups);
        LinkedHashMap<String, List<ModelSpec>> resolved = new LinkedHashMap<>();
        chainIds.forEach(
                (name, ids) -> resolved.put(name, ids.stream().map(byId::get).toList()));
        this.chains = Collections.unmodifiableMap(resolved);
    }

    public Collection<Provider> providers() {
        return providers.values();
    }

    public List<ModelSpec> models() {
        return List.copyOf(models.values());
    }

    public Optional<ModelSpec> model(String id) {
        return Optional.ofNullable(models.get(id));
    }

    public Optional<List<ModelSpec>> chain(String name) {
        return Optional.ofNullable(chains.get(name));
    }

    /** The named chains, in the order models.yaml gives them. */
    public Map<String, List<ModelSpec>> chains() {
        return chains;
    }

    public boolean hasChain(String name) {
        return chains.containsKey(name);
    }

    public RateLimits groupLimits(String group) {
        return limitGroups.getOrDefault(group, RateLimits.NONE);
    }

    public Map<String, RateLimits> limitGroups() {
        return limitGroups;
    }

    public Budget groupBudget(String group) {
        return groupBudgets.getOrDefault(group, Budget.NONE);
    }

    /** The same registry with some providers pointed elsewhere (the embedded simulator). */
    public ModelRegistry withProviders(UnaryOperator<Provider> change) {
        Map<String, Provider> changed = new LinkedHashMap<>();
        providers.forEach((name, p) -> changed.put(name, change.apply(p)));
        List<ModelSpec> moved = new ArrayList<>();
        for (ModelSpec m : models.values()) {
            moved.add(m.withProvider(changed.get(m.provider().name())));
        }
        Map<String, List<String>> chainIds = new LinkedHashMap<>();
        chains.forEach((name, specs) ->
                chainIds.put(name, specs.stream().map(ModelSpec::id).toList()));
        return new ModelRegistry(changed, moved, limitGroups, groupBudgets, chainIds);
    }
}
