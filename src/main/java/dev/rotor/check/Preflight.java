package dev.rotor.check;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.models.ModelRegistry;
import dev.rotor.models.ModelSpec;
import dev.rotor.models.Price;
import dev.rotor.models.Provider;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Before any task: is each provider's key variable set (never its value), does each provider answer {@code GET
 * {base-url}/models}, does it offer every model models.yaml names, and at the price models.yaml names (a budget is only
 * as good as its prices)? Prints one table; fine only when every key is set, every provider answers, every model is
 * offered and no price differs from the provider's.
 */
public final class Preflight {

    private static final Logger LOG = LoggerFactory.getLogger(Preflight.class);

    /**
     * What one provider said. {@code offered} is empty when it could not be asked; {@code prices} holds the prices it
     * lists, by model.
     */
    public record ProviderCheck(
            Provider provider,
            boolean keySet,
            boolean simulated,
            Optional<Set<String>> offered,
            Map<String, Price> prices,
            String answer) {}

    private final ObjectMapper json;
    private final HttpClient http;
    private final Function<Provider, Optional<String>> keyOf;

    public Preflight(ObjectMapper json, Duration connectTimeout, Function<Provider, Optional<String>> keyOf) {
        this.json = json;
        this.http = HttpClient.newBuilder().connectTimeout(connectTimeout).build();
        this.keyOf = keyOf;
    }

    /**
     * @param models as Rotor will call them (a simulated provider's base URL is the simulator's)
     * @param simulated the providers the simulator stands in for
     * @return true when everything is fine
     */
    public boolean run(ModelRegistry models, Set<String> simulated, String modelsFile, PrintStream out) {
        List<ProviderCheck> providers = askAll(models, simulated);
        out.printf(
                Locale.ROOT,
                "Rotor check: %s, %d providers, %d models, %d chains%n%n",
                modelsFile,
                providers.size(),
                models.models().size(),
                models.chains().size());
        out.printf(Locale.ROOT, "%-14s %-26s %-6s %s%n", "provider", "key variable", "key", "GET /models");
        boolean fine = true;
        for (ProviderCheck c : providers) {
            String variable =
                    c.provider().apiKeyEnv() == null || c.provider().apiKeyEnv().isBlank()
                            ? "(none needed)"
                            : c.provider().apiKeyEnv();
            out.printf(
                    Locale.ROOT,
                    "%-14s %-26s %-6s %s%s%n",
                    c.provider().name(),
                    variable,
                    c.keySet() ? "set" : "unset",
                    c.answer(),
                    c.simulated() ? " (the embedded simulator stands in)" : "");
            fine &= c.keySet() && c.offered().isPresent();
        }
        Map<String, ProviderCheck> byName = new LinkedHashMap<>();
        providers.forEach(c -> byName.put(c.provider().name(), c));
        out.printf(Locale.ROOT, "%n%-50s %-14s %-30s %s%n", "model", "provider", "offered", "price");
        Set<String> missing = new HashSet<>();
        int pricesDiffering = 0;
        for (ModelSpec m : models.models()) {
            ProviderCheck provider = byName.get(m.provider().name());
            Optional<Set<String>> offered = provider.offered();
            String state = offered.map(ids -> ids.contains(m.id()) ? "yes" : "MISSING")
                    .orElse("unknown (provider not reached)");
            if (offered.isPresent() && !offered.get().contains(m.id())) {
                missing.add(m.id());
            }
            Optional<Price> listed = Optional.ofNullable(provider.prices().get(m.id()));
            Optional<String> differs = m.price().flatMap(p -> listed.flatMap(l -> ListedPrice.difference(p, l)));
            if (differs.isPresent()) {
                pricesDiffering++;
            }
            out.printf(
                    Locale.ROOT,
                    "%-50s %-14s %-30s %s%n",
                    m.id(),
                    m.provider().name(),
                    state,
                    differs.map(d -> "DIFFERS: " + d).orElseGet(() -> priceText(m.price(), listed)));
        }
        fine &= missing.isEmpty() && pricesDiffering == 0;
        out.printf(
                Locale.ROOT,
                "%n%s%n",
                fine ? "check: fine" : "check: NOT fine (" + problems(providers, missing, pricesDiffering) + ")");
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
     * The check at service start: a model its provider does not offer leaves the rotation (a WARN says so); a provider
     * that does not answer is only warned about, its models kept.
     */
    public void atStart(ModelRegistry models, Set<String> simulated, BiConsumer<ModelSpec, String> leave) {
        for (ProviderCheck c : askAll(models, simulated)) {
            if (c.offered().isEmpty() || c.offered().get().isEmpty()) {
                LOG.warn(
                        "provider '{}' did not list its models (GET {}: {}); its models stay in the rotation",
                        c.provider().name(),
                        c.provider().modelsUrl(),
                        c.answer());
                continue;
            }
            for (ModelSpec m : models.models()) {
                if (m.provider().name().equals(c.provider().name())
                        && !c.offered().get().contains(m.id())) {
                    String why = "not offered by provider '" + c.provider().name() + "' (GET /models at start)";
                    LOG.warn("{} leaves the rotation: {}", m.id(), why);
                    leave.accept(m, why);
                }
            }
        }
    }

    private ProviderCheck ask(Provider p, boolean keySet, boolean simulated) {
        HttpRequest.Builder request = HttpRequest.newBuilder(p.modelsUrl())
                .timeout(Duration.ofSeconds(5))
                .GET()
                .header("Accept", "application/json");
        keyOf.apply(p).ifPresent(k -> request.header("Authorization", "Bearer " + k));
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return unanswered(p, keySet, simulated, "HTTP " + response.statusCode());
            }
            JsonNode data = json.readTree(response.body()).path("data");
            Set<String> ids = new HashSet<>();
            Map<String, Price> prices = new HashMap<>();
            data.forEach(m -> {
                ids.add(m.path("id").asText());
                ListedPrice.of(m).ifPresent(price -> prices.put(m.path("id").asText(), price));
            });
            return new ProviderCheck(
                    p, keySet, simulated, Optional.of(ids), prices, "HTTP 200, " + ids.size() + " models");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return unanswered(p, keySet, simulated, "interrupted");
        } catch (Exception e) {
            return unanswered(
                    p,
                    keySet,
                    simulated,
                    "not reached: " + e.getClass().getSimpleName()
                            + (e.getMessage() == null ? "" : " " + e.getMessage()));
        }
    }

    private static ProviderCheck unanswered(Provider p, boolean keySet, boolean simulated, String answer) {
        return new ProviderCheck(p, keySet, simulated, Optional.empty(), Map.of(), answer);
    }

    private static String priceText(Optional<Price> declared, Optional<Price> listed) {
        if (declared.isPresent()) {
            return ListedPrice.text(declared.get())
                    + (listed.isPresent() ? " (as the provider lists)" : " (the provider lists none)");
        }
        return listed.map(l -> "none in models.yaml; the provider lists " + ListedPrice.text(l))
                .orElse("-");
    }

    private static String problems(List<ProviderCheck> providers, Set<String> missing, int pricesDiffering) {
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
        if (pricesDiffering > 0) {
            problems.add(pricesDiffering + " price(s) differ from the provider's");
        }
        return String.join(", ", problems);
    }
}
