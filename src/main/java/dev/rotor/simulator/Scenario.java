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
 * limit, each as a fixed window, a sliding window or a token bucket, what each reports in its headers, latency,
 * injected faults and scripted answers. Windows are in milliseconds so tests and benchmarks can compress time.
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

    /** What Retry-After a limiter sends with its 429: none, whole seconds, or seconds and OpenAI's retry-after-ms. */
    public enum RetryAfter {
        NONE, SECONDS, MILLISECONDS;

        static RetryAfter parse(String value, RetryAfter fallback) {
            if (value == null || value.isBlank()) {
                return fallback;
            }
            try {
                return valueOf(value.strip().toUpperCase(java.util.Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("retry-after must be none, seconds or milliseconds, got '" + value + "'");
            }
        }
    }

    /**
     * How a limiter tells its state: X-RateLimit-Limit/Remaining/Reset on a success and on a 429 (OpenRouter puts
     * them in the error body's metadata too), and which Retry-After.
     */
    public record Reporting(boolean onSuccess, boolean on429, RetryAfter retryAfter) {
        /** OpenRouter's account pools: X-RateLimit-* on every answer, no Retry-After. */
        public static final Reporting POOL = new Reporting(true, true, RetryAfter.NONE);
        /** An upstream provider's own limit behind OpenRouter: nothing on success, Retry-After in seconds on a 429. */
        public static final Reporting UPSTREAM = new Reporting(false, false, RetryAfter.SECONDS);

        static Reporting of(Boolean onSuccess, Boolean on429, String retryAfter, Reporting fallback) {
            return new Reporting(onSuccess == null ? fallback.onSuccess() : onSuccess,
                    on429 == null ? fallback.on429() : on429, RetryAfter.parse(retryAfter, fallback.retryAfter()));
        }
    }

    /**
     * A shared limit over every model whose id ends with {@code appliesTo} (":free"), or every model ("*"), in one
     * of the limiter shapes (fixed by default), reporting as OpenRouter's pools do unless told otherwise.
     */
    public record Pool(String name, int limit, long windowMs, String appliesTo, Limiter.Shape shape, Reporting reporting) {

        @com.fasterxml.jackson.annotation.JsonCreator
        static Pool fromYaml(@JsonProperty("name") String name, @JsonProperty("limit") int limit,
                             @JsonProperty("window-ms") long windowMs, @JsonProperty("applies-to") String appliesTo,
                             @JsonProperty("shape") String shape,
                             @JsonProperty("headers-on-success") Boolean headersOnSuccess,
                             @JsonProperty("headers-on-429") Boolean headersOn429,
                             @JsonProperty("retry-after") String retryAfter) {
            return new Pool(name, limit, windowMs, appliesTo, Limiter.Shape.parse(shape),
                    Reporting.of(headersOnSuccess, headersOn429, retryAfter, Reporting.POOL));
        }

        boolean covers(String model) {
            return appliesTo == null || "*".equals(appliesTo) || model.endsWith(appliesTo);
        }
    }

    /**
     * @param limit  the model's own limit (0: none), in {@code shape}, reporting as an upstream provider does unless
     *               told otherwise
     * @param script answers given in order before normal behaviour resumes: ok, 400, 400-context, 401, 402, 403,
     *               404, 408, 429 (upstream, Retry-After 30 s), 500, 502, 503, slow, close, not-json, error-200, empty
     * @param faults answers drawn at random with probability {@code faultRate}
     */
    public record ModelBehaviour(int limit, long windowMs, Limiter.Shape shape, Reporting reporting, Long latencyMs,
                                 double faultRate, List<String> faults, List<String> script, boolean gone) {
        public ModelBehaviour {
            faults = faults == null ? List.of() : List.copyOf(faults);
            script = script == null ? List.of() : List.copyOf(script);
            shape = shape == null ? Limiter.Shape.FIXED : shape;
            reporting = reporting == null ? Reporting.UPSTREAM : reporting;
        }

        @com.fasterxml.jackson.annotation.JsonCreator
        static ModelBehaviour fromYaml(@JsonProperty("limit") int limit, @JsonProperty("window-ms") long windowMs,
                                       @JsonProperty("shape") String shape,
                                       @JsonProperty("headers-on-success") Boolean headersOnSuccess,
                                       @JsonProperty("headers-on-429") Boolean headersOn429,
                                       @JsonProperty("retry-after") String retryAfter,
                                       @JsonProperty("latency-ms") Long latencyMs,
                                       @JsonProperty("fault-rate") double faultRate,
                                       @JsonProperty("faults") List<String> faults,
                                       @JsonProperty("script") List<String> script,
                                       @JsonProperty("gone") boolean gone) {
            return new ModelBehaviour(limit, windowMs, Limiter.Shape.parse(shape),
                    Reporting.of(headersOnSuccess, headersOn429, retryAfter, Reporting.UPSTREAM), latencyMs, faultRate,
                    faults, script, gone);
        }

        public static ModelBehaviour unlimited() {
            return new ModelBehaviour(0, 0, null, null, null, 0, List.of(), List.of(), false);
        }

        public static ModelBehaviour limited(int limit, long windowMs) {
            return new ModelBehaviour(limit, windowMs, null, null, null, 0, List.of(), List.of(), false);
        }

        public ModelBehaviour withScript(String... answers) {
            return new ModelBehaviour(limit, windowMs, shape, reporting, latencyMs, faultRate, faults, List.of(answers), gone);
        }

        public ModelBehaviour withFaults(double rate, String... kinds) {
            return new ModelBehaviour(limit, windowMs, shape, reporting, latencyMs, rate, List.of(kinds), script, gone);
        }

        public ModelBehaviour withLatency(long ms) {
            return new ModelBehaviour(limit, windowMs, shape, reporting, ms, faultRate, faults, script, gone);
        }

        public ModelBehaviour withShape(Limiter.Shape newShape, Reporting newReporting) {
            return new ModelBehaviour(limit, windowMs, newShape, newReporting, latencyMs, faultRate, faults, script, gone);
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
            return pool(name, limit, windowMs, appliesTo, Limiter.Shape.FIXED, Reporting.POOL);
        }
        public Builder pool(String name, int limit, long windowMs, String appliesTo, Limiter.Shape shape, Reporting reporting) {
            pools.add(new Pool(name, limit, windowMs, appliesTo, shape, reporting));
            return this;
        }
        public Builder model(String id, ModelBehaviour behaviour) { models.put(id, behaviour); return this; }

        public Scenario build() {
            return new Scenario(latencyMs, slowMs, requiredKey, serveUnknownModels, seed, pools, models);
        }
    }
}
