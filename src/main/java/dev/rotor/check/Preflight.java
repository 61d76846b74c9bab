package dev.rotor.check;

import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.rotor.models.ModelRegistry;
import dev.rotor.models.ModelSpec;
import dev.rotor.models.Provider;

/**
 * Before any task: is each provider's key variable set (never its value), does each provider answer
 * {@code GET {base-url}/models}, and does it offer every model models.yaml names? Prints one table; fine only when
 * every key is set, every provider answers and every model is offered.
 */
public final class Preflight {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Preflight.class);

    /** What one provider said. {@code offered} is empty when it could not be asked. */
    public record ProviderCheck(Provider provider, boolean keySet, boolean simulated, Optional<Set<String>> offered,
                         String answer) {
    }

    private final ObjectMapper json;
    private final HttpClient http;
    private final Function<Provider, Optional<String>> keyOf;

    public Preflight(ObjectMapper json, Duration connectTimeout, Function<Provider, Optional<String>> keyOf) {
        this.json = json;
        this.http = HttpClient.newBuilder().connectTimeout(connectTimeout).build();
        this.keyOf = keyOf;
    }

    /**
     * @param models    as Rotor will call them (a simulated provider's base URL is the simulator's)
     * @param simulated the providers the simulator stands in for
     * @return true when everything is fine
     */
    public boolean run(ModelRegistry models, Set<String> simulated, String modelsFile, PrintStream out) {
        List<ProviderCheck> providers = askAll(models, simulated);
        out.printf(Locale.ROOT, "Rotor check: %s, %d providers, %d models, %d chains%n%n", modelsFile,
                providers.size(), models.models().size(), models.chains().size());
        out.printf(Locale.ROOT, "%-14s %-26s %-6s %s%n", "provider", "key variable", "key", "GET /models");
        boolean fine = true;
        for (ProviderCheck c : providers) {
            String variable = c.provider().apiKeyEnv() == null || c.provider().apiKeyEnv().isBlank() ? "(none needed)"
                    : c.provider().apiKeyEnv();
            out.printf(Locale.ROOT, "%-14s %-26s %-6s %s%s%n", c.provider().name(), variable, c.keySet() ? "set" : "unset",
                    c.answer(), c.simulated() ? " (the embedded simulator stands in)" : "");
            fine &= c.keySet() && c.offered().isPresent();
        }
        Map<String, ProviderCheck> byName = new LinkedHashMap<>();
        providers.forEach(c -> byName.put(c.provider().name(), c));
        out.printf(Locale.ROOT, "%n%-50s %-14s %s%n", "model", "provider", "offered");
        Set<String> missing = new HashSet<>();
        for (ModelSpec m : models.models()) {
            Optional<Set<String>> offered = byName.get(m.provider().name()).offered();
            String state = offered.map(ids -> ids.contains(m.id()) ? "yes" : "MISSING").orElse("unknown (provider not reached)");
            if (offered.isPresent() && !offered.get().contains(m.id())) {
                missing.add(m.id());
            }
            out.printf(Locale.ROOT, "%-50s %-14s %s%n", m.id(), m.provider().name(), state);
        }
        fine &= missing.isEmpty();
        out.printf(Locale.ROOT, "%n%s%n", fine ? "check: fine" : "check: NOT fine (" + problems(providers, missing) + ")");
        return fine;
    }

    /** Every provider asked for its models. */
    public List<ProviderCheck> askAll(ModelRegistry models, Set<String> simulated) {
        List<ProviderCheck> providers = new ArrayList<>();
        for (Provider p : models.providers()) {
            boolean needsKey = p.apiKeyEnv() != null && !p.apiKeyEnv().isBlank();
            boolean keySet = !needsKey || keyOf.apply(p).isPresent();
            providers.add(ask(p, keySet, simulated.contains(p.name())));
        }
        return providers;
    }

    /**
     * The check at service start: a model its provider does not offer leaves the rotation (a WARN says so); a
     * provider that does not answer is only warned about, its models kept.
     */
    public void atStart(ModelRegistry models, Set<String> simulated, java.util.function.BiConsumer<ModelSpec, String> leave) {
        for (ProviderCheck c : askAll(models, simulated)) {
            if (c.offered().isEmpty() || c.offered().get().isEmpty()) {
                LOG.warn("provider '{}' did not list its models (GET {}: {}); its models stay in the rotation",
                        c.provider().name(), c.provider().modelsUrl(), c.answer());
                continue;
            }
            for (ModelSpec m : models.models()) {
                if (m.provider().name().equals(c.provider().name()) && !c.offered().get().contains(m.id())) {
                    String why = "not offered by provider '" + c.provider().name() + "' (GET /models at start)";
                    LOG.warn("{} leaves the rotation: {}", m.id(), why);
                    leave.accept(m, why);
                }
            }
        }
    }

    private ProviderCheck ask(Provider p, boolean keySet, boolean simulated) {
        HttpRequest.Builder request = HttpRequest.newBuilder(p.modelsUrl()).timeout(Duration.ofSeconds(5)).GET()
                .header("Accept", "application/json");
        keyOf.apply(p).ifPresent(k -> request.header("Authorization", "Bearer " + k));
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return new ProviderCheck(p, keySet, simulated, Optional.empty(), "HTTP " + response.statusCode());
            }
            JsonNode data = json.readTree(response.body()).path("data");
            Set<String> ids = new HashSet<>();
            data.forEach(m -> ids.add(m.path("id").asText()));
            return new ProviderCheck(p, keySet, simulated, Optional.of(ids), "HTTP 200, " + ids.size() + " models");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ProviderCheck(p, keySet, simulated, Optional.empty(), "interrupted");
        } catch (Exception e) {
            return new ProviderCheck(p, keySet, simulated, Optional.empty(), "not reached: " + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : " " + e.getMessage()));
        }
    }

    private static String problems(List<ProviderCheck> providers, Set<String> missing) {
        List<String> problems = new ArrayList<>();
        long unset = providers.stream().filter(c -> !c.keySet()).count();
        long unreached = providers.stream().filter(c -> c.offered().isEmpty()).count();
        if (unset > 0) {
            problems.add(unset + " key(s) unset");
        }
        if (unreached > 0) {
            problems.add(unreached + " provider(s) not answering");
        }
        if (!missing.isEmpty()) {
            problems.add(missing.size() + " model(s) not offered");
        }
        return String.join(", ", problems);
    }
}
