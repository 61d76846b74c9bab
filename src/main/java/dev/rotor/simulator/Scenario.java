package dev.rotor.simulator;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

/**
 * How the simulator behaves: account-wide pools (OpenRouter's free-models-per-min and -per-day), each model's own
 * limit, latency, injected faults and scripted answers. Windows are in milliseconds so tests and benchmarks can
 * compress time.
 *
 * @param requiredKey when set, a request must carry {@code Authorization: Bearer <requiredKey>} or gets a 401
 * @param serveUnknownModels when false, a model not listed gets a 404 as OpenRouter gives for an unknown model
 */
public record Scenario(@JsonProperty("latency-ms") long latencyMs,
                       @JsonProperty("slow-ms") long slowMs,
                       @JsonProperty("required-key") String requiredKey,
                       @JsonProperty("serve-unknown-models") boolean serveUnknownModels,
                       long seed,
                       List<Pool> pools,
                       Map<String, ModelBehaviour> models) {

    public Scenario {
        pools = pools == null ? List.of() : List.copyOf(pools);
        models = models == null ? Map.of() : Map.copyOf(models);
        slowMs = slowMs <= 0 ? 5_000 : slowMs;
    }

    /** A shared limit over every model whose id ends with {@code appliesTo} (":free"), or every model ("*"). */
    public record Pool(String name, int limit, @JsonProperty("window-ms") long windowMs,
                       @JsonProperty("applies-to") String appliesTo) {
        boolean covers(String model) {
            return appliesTo == null || "*".equals(appliesTo) || model.endsWith(appliesTo);
        }
    }

    /**
     * @param script answers given in order before normal behaviour resumes: ok, 400, 400-context, 401, 402, 403,
     *               404, 408, 429 (upstream, Retry-After 30 s), 500, 502, 503, slow, close, not-json, error-200, empty
     * @param faults answers drawn at random with probability {@code faultRate}
     */
    public record ModelBehaviour(int limit, @JsonProperty("window-ms") long windowMs,
                                 @JsonProperty("latency-ms") Long latencyMs,
                                 @JsonProperty("fault-rate") double faultRate, List<String> faults,
                                 List<String> script, boolean gone) {
        public ModelBehaviour {
            faults = faults == null ? List.of() : List.copyOf(faults);
            script = script == null ? List.of() : List.copyOf(script);
        }

        public static ModelBehaviour unlimited() {
            return new ModelBehaviour(0, 0, null, 0, List.of(), List.of(), false);
        }

        public static ModelBehaviour limited(int limit, long windowMs) {
            return new ModelBehaviour(limit, windowMs, null, 0, List.of(), List.of(), false);
        }

        public ModelBehaviour withScript(String... answers) {
            return new ModelBehaviour(limit, windowMs, latencyMs, faultRate, faults, List.of(answers), gone);
        }

        public ModelBehaviour withFaults(double rate, String... kinds) {
            return new ModelBehaviour(limit, windowMs, latencyMs, rate, List.of(kinds), script, gone);
        }

        public ModelBehaviour withLatency(long ms) {
            return new ModelBehaviour(limit, windowMs, ms, faultRate, faults, script, gone);
        }
    }

    public static Scenario load(Path file) {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
        try {
            return yaml.readValue(file.toFile(), Scenario.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("simulator scenario " + file + ": " + e.getMessage(), e);
        }
    }

    public static Builder builder() {
        return new Builder();
    }

    public static final class Builder {
        private long latencyMs;
        private long slowMs = 5_000;
        private String requiredKey;
        private boolean serveUnknownModels = true;
        private long seed = 42;
        private final List<Pool> pools = new java.util.ArrayList<>();
        private final Map<String, ModelBehaviour> models = new LinkedHashMap<>();

        public Builder latencyMs(long v) { latencyMs = v; return this; }
        public Builder slowMs(long v) { slowMs = v; return this; }
        public Builder requiredKey(String v) { requiredKey = v; return this; }
        public Builder serveUnknownModels(boolean v) { serveUnknownModels = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder pool(String name, int limit, long windowMs, String appliesTo) {
            pools.add(new Pool(name, limit, windowMs, appliesTo));
            return this;
        }
        public Builder model(String id, ModelBehaviour behaviour) { models.put(id, behaviour); return this; }

        public Scenario build() {
            return new Scenario(latencyMs, slowMs, requiredKey, serveUnknownModels, seed, pools, models);
        }
    }
}
