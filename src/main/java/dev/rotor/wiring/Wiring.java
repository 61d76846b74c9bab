package dev.rotor.wiring;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.ConfigurationMistake;
import dev.rotor.RotorSettings;
import dev.rotor.check.CheckFinished;
import dev.rotor.check.Preflight;
import dev.rotor.core.ApiKeys;
import dev.rotor.core.Json;
import dev.rotor.models.BudgetCheck;
import dev.rotor.models.InvalidModelsException;
import dev.rotor.models.ModelRegistry;
import dev.rotor.models.ModelRegistryLoader;
import dev.rotor.models.Provider;
import dev.rotor.output.OutputFolders;
import dev.rotor.simulator.EmbeddedSimulator;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.Registry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every binder starts from: the settings, read and checked; the models as they will be called, the simulator
 * standing in for a provider with no key; and the clock, JSON and keys they share.
 *
 * @param simulated the providers the embedded simulator serves
 */
public record Wiring(
        CamelContext context,
        RotorSettings settings,
        ModelRegistry models,
        Set<String> simulated,
        Clock clock,
        ObjectMapper json,
        ApiKeys keys) {

    private static final Logger LOG = LoggerFactory.getLogger(Wiring.class);

    /**
     * Reads the settings and models.yaml: a mistake in either stops Rotor with one line ({@link ConfigurationMistake}).
     * With {@code rotor.check} it runs the check and stops ({@link CheckFinished}).
     *
     * @param clockBean the name under which a test may bind another {@link Clock}
     */
    public static Wiring prepare(CamelContext context, String clockBean) throws Exception {
        Function<String, Optional<String>> property = context.getPropertiesComponent()::resolveProperty;
        Function<String, Optional<String>> secrets = ApiKeys.untracked(context.getPropertiesComponent());
        RotorSettings settings;
        ModelRegistry declared;
        try {
            settings = RotorSettings.from(property, secrets);
            declared = ModelRegistryLoader.load(settings.modelsFile());
            BudgetCheck.requirePrices(declared, settings.budget());
            checkFolders(settings);
        } catch (IllegalArgumentException | InvalidModelsException mistake) {
            throw new ConfigurationMistake(mistake);
        }
        Clock clock = Optional.ofNullable(context.getRegistry().lookupByNameAndType(clockBean, Clock.class))
                .orElse(Clock.systemUTC());
        ApiKeys keys = new ApiKeys(secrets);
        ObjectMapper json = Json.mapper();
        Set<String> simulated = simulatedProviders(declared, keys, settings);
        ModelRegistry models;
        try {
            models = simulated.isEmpty() ? declared : pointAtSimulator(context, declared, simulated, settings);
        } catch (IllegalArgumentException mistake) {
            // a scenario file that is missing or wrong (rotor.simulator.scenario)
            throw new ConfigurationMistake(mistake);
        }
        if (settings.check()) {
            boolean fine = new Preflight(json, Duration.ofSeconds(5), keys::keyOf)
                    .run(models, simulated, settings.modelsFile().toString(), System.out);
            throw new CheckFinished(fine ? 0 : 1);
        }
        return new Wiring(context, settings, models, simulated, clock, json, keys);
    }

    public Registry beans() {
        return context.getRegistry();
    }

    /**
     * The folders Rotor writes to and renames in for every task, tried once before any task: a folder that cannot take
     * a result would otherwise show only after a model was paid for the answer.
     */
    private static void checkFolders(RotorSettings settings) {
        if (settings.output().toFiles()) {
            OutputFolders.checkWritable(settings.output().outbox(), "rotor.outbox.dir");
            OutputFolders.checkWritable(settings.output().failed(), "rotor.failed.dir");
        }
        if (settings.intakes().contains("file") && !settings.inboxKeep() && !settings.check()) {
            OutputFolders.checkMovable(settings.inbox(), settings.inbox().resolve(".done"), "rotor.inbox.dir");
        }
    }

    private static Set<String> simulatedProviders(ModelRegistry models, ApiKeys keys, RotorSettings settings) {
        return models.providers().stream()
                .filter(p -> switch (settings.simulator()) {
                    case ALWAYS -> true;
                    case NEVER -> false;
                    case AUTO -> keys.isMissing(p);
                })
                .map(Provider::name)
                .collect(Collectors.toUnmodifiableSet());
    }

    private static ModelRegistry pointAtSimulator(
            CamelContext context, ModelRegistry models, Set<String> simulated, RotorSettings settings)
            throws Exception {
        EmbeddedSimulator simulator = EmbeddedSimulator.start(settings.simulatorScenario());
        context.addService(simulator, true, true);
        models.providers().stream()
                .filter(p -> simulated.contains(p.name()))
                .forEach(p -> LOG.warn(
                        "No API key in {}: provider '{}' is served by the embedded simulator at {}; results are marked simulated",
                        p.apiKeyEnv(),
                        p.name(),
                        simulator.server().baseUrl()));
        return models.withProviders(p ->
                simulated.contains(p.name()) ? p.withBaseUrl(simulator.server().baseUrl()) : p);
    }
}
