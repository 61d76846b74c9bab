package dev.rotor.models;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.function.Supplier;

/** Reads models.yaml and says precisely what is wrong with it. */
public final class ModelRegistryLoader {

    private static final ObjectMapper YAML =
            new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    record ProviderDoc(
            @JsonProperty("base-url") String baseUrl,
            @JsonProperty("api-key-env") String apiKeyEnv,
            @JsonProperty("counts-tokens") String countsTokens,
            String continuation,
            @JsonProperty("requests-per-minute") long requestsPerMinute,
            @JsonProperty("requests-per-day") long requestsPerDay,
            @JsonProperty("tokens-per-minute") long tokensPerMinute,
            @JsonProperty("tokens-per-day") long tokensPerDay,
            @JsonProperty("input-tokens-per-minute") long inputTokensPerMinute,
            @JsonProperty("output-tokens-per-minute") long outputTokensPerMinute,
            long requests,
            String per,
            List<Map<String, Object>> limits,
            Declarations.BudgetDoc budget) {
        Declarations.FlatLimits flat() {
            return new Declarations.FlatLimits(
                    requestsPerMinute,
                    requestsPerDay,
                    tokensPerMinute,
                    tokensPerDay,
                    inputTokensPerMinute,
                    outputTokensPerMinute,
                    requests,
                    per);
        }
    }

    record ModelDoc(
            String id,
            String provider,
            @JsonProperty("limit-group") String limitGroup,
            @JsonProperty("requests-per-minute") long requestsPerMinute,
            @JsonProperty("requests-per-day") long requestsPerDay,
            @JsonProperty("tokens-per-minute") long tokensPerMinute,
            @JsonProperty("tokens-per-day") long tokensPerDay,
            @JsonProperty("input-tokens-per-minute") long inputTokensPerMinute,
            @JsonProperty("output-tokens-per-minute") long outputTokensPerMinute,
            long requests,
            String per,
            List<Map<String, Object>> limits,
            @JsonProperty("max-tokens") Integer maxTokens,
            Declarations.PriceDoc price,
            Declarations.BudgetDoc budget,
            String continuation) {
        Declarations.FlatLimits flat() {
            return new Declarations.FlatLimits(
                    requestsPerMinute,
                    requestsPerDay,
                    tokensPerMinute,
                    tokensPerDay,
                    inputTokensPerMinute,
                    outputTokensPerMinute,
                    requests,
                    per);
        }
    }

    record LimitsDoc(
            @JsonProperty("requests-per-minute") long requestsPerMinute,
            @JsonProperty("requests-per-day") long requestsPerDay,
            @JsonProperty("tokens-per-minute") long tokensPerMinute,
            @JsonProperty("tokens-per-day") long tokensPerDay,
            @JsonProperty("input-tokens-per-minute") long inputTokensPerMinute,
            @JsonProperty("output-tokens-per-minute") long outputTokensPerMinute,
            long requests,
            String per,
            List<Map<String, Object>> limits,
            Declarations.BudgetDoc budget) {
        Declarations.FlatLimits flat() {
            return new Declarations.FlatLimits(
                    requestsPerMinute,
                    requestsPerDay,
                    tokensPerMinute,
                    tokensPerDay,
                    inputTokensPerMinute,
                    outputTokensPerMinute,
                    requests,
                    per);
        }
    }

    record Document(
            Map<String, ProviderDoc> providers,
            @JsonProperty("limit-groups") Map<String, LimitsDoc> limitGroups,
            List<ModelDoc> models,
            Map<String, List<String>> chains) {}

    private ModelRegistryLoader() {}

    public static ModelRegistry load(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new InvalidModelsException(file + ": no such file (set rotor.models.file)");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return parse(in, file.toString());
        } catch (IOException e) {
            throw new InvalidModelsException(file + ": " + e.getMessage(), e);
        }
    }

    public static ModelRegistry parse(InputStream in, String source) {
        Document doc;
        try {
            doc = YAML.readValue(in, Document.class);
        } catch (JsonProcessingException e) {
            throw new InvalidModelsException(source + ": not a valid models file: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new InvalidModelsException(source + ": " + e.getMessage(), e);
        }
        if (doc == null) {
            throw new InvalidModelsException(source + ": empty");
        }
        return build(doc, source);
    }

    private static ModelRegistry build(Document doc, String source) {
        Map<String, Provider> providers = providers(doc, source);
        Map<String, RateLimits> groups = new LinkedHashMap<>();
        Map<String, Budget> groupBudgets = new LinkedHashMap<>();
        if (doc.limitGroups() != null) {
            doc.limitGroups().forEach((name, g) -> {
                String where = source + ": limit-group '" + name + "'";
                groups.put(
                        name,
                        g == null ? RateLimits.NONE : declared(where, () -> Declarations.limits(g.flat(), g.limits())));
                groupBudgets.put(
                        name, g == null ? Budget.NONE : declared(where, () -> Declarations.budget(g.budget())));
            });
        }
        if (doc.models() == null || doc.models().isEmpty()) {
            throw new InvalidModelsException(source + ": 'models' must list at least one model");
        }
        List<ModelSpec> models = new ArrayList<>();
        Set<String> ids = new HashSet<>();
        for (ModelDoc m : doc.models()) {
            String where = source + ": model #" + (models.size() + 1);
            if (m.id() == null || m.id().isBlank()) {
                throw new InvalidModelsException(where + " has no id");
            }
            if (!ids.add(m.id())) {
                throw new InvalidModelsException(where + ": duplicate id " + m.id());
            }
            Provider provider = providers.get(m.provider());
            if (provider == null) {
                throw new InvalidModelsException(where + " (" + m.id() + "): unknown provider '" + m.provider()
                        + "', declared: " + providers.keySet());
            }
            if (m.limitGroup() != null && !groups.containsKey(m.limitGroup())) {
                throw new InvalidModelsException(where + " (" + m.id() + "): unknown limit-group '" + m.limitGroup()
                        + "', declared: " + groups.keySet());
            }
            String named = where + " (" + m.id() + ")";
            if (m.maxTokens() != null && m.maxTokens() <= 0) {
                throw new InvalidModelsException(named + ": max-tokens must be above 0, got " + m.maxTokens());
            }
            models.add(new ModelSpec(
                    m.id(),
                    provider,
                    Optional.ofNullable(m.limitGroup()),
                    declared(named, () -> Declarations.limits(m.flat(), m.limits())),
                    models.size(),
                    m.maxTokens() == null ? OptionalInt.empty() : OptionalInt.of(m.maxTokens()),
                    declared(named, () -> Declarations.price(m.price())),
                    declared(named, () -> Declarations.budget(m.budget())),
                    Optional.ofNullable(m.continuation()).map(c -> continuation(named, c))));
        }
        Map<String, List<String>> chains = doc.chains() == null ? Map.of() : new LinkedHashMap<>(doc.chains());
        chains.forEach((name, chain) -> {
            if (chain == null || chain.isEmpty()) {
                throw new InvalidModelsException(source + ": chain '" + name + "' is empty");
            }
            chain.stream().filter(id -> !ids.contains(id)).findFirst().ifPresent(id -> {
                throw new InvalidModelsException(source + ": chain '" + name + "' names unknown model '" + id + "'");
            });
        });
        return new ModelRegistry(providers, models, groups, groupBudgets, chains);
    }

    private static Continuation continuation(String where, String label) {
        return Continuation.ofLabel(label)
                .orElseThrow(() -> new InvalidModelsException(
                        where + ": continuation must be prefill, prefix-flag or none, got '" + label + "'"));
    }

    /** Reads one declaration, its mistake said with where it is. */
    private static <T> T declared(String where, Supplier<T> read) {
        try {
            return read.get();
        } catch (IllegalArgumentException e) {
            throw new InvalidModelsException(where + ": " + e.getMessage());
        }
    }

    private static Map<String, Provider> providers(Document doc, String source) {
        if (doc.providers() == null || doc.providers().isEmpty()) {
            throw new InvalidModelsException(source + ": 'providers' must declare at least one provider");
        }
        Map<String, Provider> providers = new LinkedHashMap<>();
        doc.providers().forEach((name, p) -> {
            if (p == null || p.baseUrl() == null) {
                throw new InvalidModelsException(source + ": provider '" + name + "' has no base-url");
            }
            URI url;
            try {
                url = URI.create(p.baseUrl());
            } catch (IllegalArgumentException e) {
                throw new InvalidModelsException(
                        source + ": provider '" + name + "' base-url is not a URL: " + p.baseUrl());
            }
            if (!"http".equals(url.getScheme()) && !"https".equals(url.getScheme())) {
                throw new InvalidModelsException(source + ": provider '" + name + "' base-url must be http or https");
            }
            String where = source + ": provider '" + name + "'";
            TokenCounting counting = p.countsTokens() == null
                    ? TokenCounting.guessFrom(url)
                    : TokenCounting.ofLabel(p.countsTokens())
                            .orElseThrow(() -> new InvalidModelsException(
                                    where + ": counts-tokens must be openai, anthropic, gemini or usage, got '"
                                            + p.countsTokens() + "'"));
            providers.put(
                    name,
                    new Provider(
                            name,
                            url,
                            p.apiKeyEnv(),
                            counting,
                            declared(where, () -> Declarations.limits(p.flat(), p.limits())),
                            declared(where, () -> Declarations.budget(p.budget())),
                            p.continuation() == null
                                    ? Continuation.guessFrom(url)
                                    : continuation(where, p.continuation())));
        });
        return providers;
    }
}
