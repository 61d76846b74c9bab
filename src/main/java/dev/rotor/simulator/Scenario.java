package dev.rotor.simulator;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * How the simulator behaves: account-wide pools (OpenRouter's free-models-per-min and -per-day), each model's own
 * limit, each as a fixed window, a sliding window or a token bucket, what each reports in its headers, latency,
 * injected faults and scripted answers. Windows are in milliseconds so tests and benchmarks can compress time.
 *
 * @param requiredKey when set, a request must carry {@code Authorization: Bearer <requiredKey>} or gets a 401
 * @param serveUnknownModels when false, a model not listed gets a 404 as OpenRouter gives for an unknown model
 */
public record Scenario(
        @JsonProperty("latency-ms") long latencyMs,
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
        NONE,
        SECONDS,
        MILLISECONDS;

        static RetryAfter parse(String value, RetryAfter fallback) {
            if (value == null || value.isBlank()) {
                return fallback;
            }
            try {
                return valueOf(value.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(
                        "retry-after must be none, seconds or milliseconds, got '" + value + "'");
            }
        }
    }

    /**
     * What a 429's reset (and Retry-After) names, as providers disagree: the moment the next call fits (the next slot
     * of a sliding window, the next token of a bucket), or the moment the limit is whole again (OpenAI's
     * {@code x-ratelimit-reset-*}: the bucket full). For a fixed window both are its end.
     */
    public enum Reset {
        NEXT_FREE,
        FULL;

        static Reset parse(String value, Reset fallback) {
            if (value == null || value.isBlank()) {
                return fallback;
            }
            try {
                return valueOf(value.strip().replace('-', '_').toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("reset must be next-free or full, got '" + value + "'");
            }
        }
    }

    /**
     * How a limiter tells its state: X-RateLimit-Limit/Remaining/Reset on a success and on a 429 (OpenRouter puts them
     * in the error body's metadata too), which Retry-After, and what a 429's reset means.
     */
    public record Reporting(boolean onSuccess, boolean on429, RetryAfter retryAfter, Reset reset) {
        /** OpenRouter's account pools: X-RateLimit-* on every answer, no Retry-After. */
        public static final Reporting POOL = new Reporting(true, true, RetryAfter.NONE);
        /** An upstream provider's own limit behind OpenRouter: nothing on success, Retry-After in seconds on a 429. */
        public static final Reporting UPSTREAM = new Reporting(false, false, RetryAfter.SECONDS);

        public Reporting {
            reset = reset == null ? Reset.NEXT_FREE : reset;
        }

        public Reporting(boolean onSuccess, boolean on429, RetryAfter retryAfter) {
            this(onSuccess, on429, retryAfter, Reset.NEXT_FREE);
        }

        public Reporting withReset(Reset r) {
            return new Reporting(onSuccess, on429, retryAfter, r);
        }

        static Reporting of(Boolean onSuccess, Boolean on429, String retryAfter, String reset, Reporting fallback) {
            return new Reporting(
                    onSuccess == null ? fallback.onSuccess() : onSuccess,
                    on429 == null ? fallback.on429() : on429,
                    RetryAfter.parse(retryAfter, fallback.retryAfter()),
                    Reset.parse(reset, fallback.reset()));
        }
    }

    /**
     * A shared limit over every model whose id ends with {@code appliesTo} (":free"), or every model ("*"), in one of
     * the limiter shapes (fixed by default), reporting as OpenRouter's pools do unless told otherwise.
     */
    public record Pool(
            String name, int limit, long windowMs, String appliesTo, Limiter.Shape shape, Reporting reporting) {

        @JsonCreator
        static Pool fromYaml(
                @JsonProperty("name") String name,
                @JsonProperty("limit") int limit,
                @JsonProperty("window-ms") long windowMs,
                @JsonProperty("applies-to") String appliesTo,
                @JsonProperty("shape") String shape,
                @JsonProperty("headers-on-success") Boolean headersOnSuccess,
                @JsonProperty("headers-on-429") Boolean headersOn429,
                @JsonProperty("retry-after") String retryAfter,
                @JsonProperty("reset") String reset) {
            return new Pool(
                    name,
                    limit,
                    windowMs,
                    appliesTo,
                    Limiter.Shape.parse(shape),
                    Reporting.of(headersOnSuccess, headersOn429, retryAfter, reset, Reporting.POOL));
        }

        boolean covers(String model) {
            return appliesTo == null || "*".equals(appliesTo) || model.endsWith(appliesTo);
        }
    }

    /**
     * A model's token limits, as one provider enforces and tells them: buckets refilled continuously over
     * {@code windowMs}, each call counted by that provider's rule.
     *
     * @param style {@code openai} (one bucket: input and the whole max_tokens at admission, kept; headers
     *     {@code x-ratelimit-*-tokens}; a 429 says "Limit L, Used U, Requested R ... try again in Xs", or "Request too
     *     large"), {@code anthropic} (an input bucket, and an output bucket that reserves max_tokens and gives back
     *     what the answer did not use; {@code anthropic-ratelimit-*} headers with RFC 3339 resets), {@code gemini}
     *     (input tokens only; no headers; a 429 body with QuotaFailure and RetryInfo)
     * @param limit the (input) bucket's size
     * @param outputLimit anthropic: the output bucket's size
     * @param headers send the rate-limit headers on every answer
     * @param retryAfter what Retry-After a 429 carries
     * @param inputFactor how many of its own tokens the provider counts for one of the local tokenizer's (its tokenizer
     *     differs)
     * @param outputShare the share of max_tokens an answer uses
     */
    public record TokenBehaviour(
            TokenStyle style,
            long limit,
            long outputLimit,
            long windowMs,
            boolean headers,
            RetryAfter retryAfter,
            double inputFactor,
            double outputShare) {

        @JsonCreator
        static TokenBehaviour fromYaml(
                @JsonProperty("style") String style,
                @JsonProperty("limit") long limit,
                @JsonProperty("output-limit") long outputLimit,
                @JsonProperty("window-ms") long windowMs,
                @JsonProperty("headers") Boolean headers,
                @JsonProperty("retry-after") String retryAfter,
                @JsonProperty("input-factor") Double inputFactor,
                @JsonProperty("output-share") Double outputShare) {
            TokenStyle s = TokenStyle.parse(style);
            return new TokenBehaviour(
                    s,
                    limit,
                    outputLimit,
                    windowMs,
                    headers == null ? s != TokenStyle.GEMINI : headers,
                    RetryAfter.parse(retryAfter, s == TokenStyle.GEMINI ? RetryAfter.NONE : RetryAfter.SECONDS),
                    inputFactor == null ? 1.0 : inputFactor,
                    outputShare == null ? 0.6 : outputShare);
        }

        public static TokenBehaviour of(TokenStyle style, long limit, long windowMs) {
            return new TokenBehaviour(
                    style,
                    limit,
                    style == TokenStyle.ANTHROPIC ? limit / 2 : 0,
                    windowMs,
                    style != TokenStyle.GEMINI,
                    style == TokenStyle.GEMINI ? RetryAfter.NONE : RetryAfter.SECONDS,
                    1.0,
                    0.6);
        }

        public TokenBehaviour withHeaders(boolean on) {
            return new TokenBehaviour(style, limit, outputLimit, windowMs, on, retryAfter, inputFactor, outputShare);
        }

        public TokenBehaviour withRetryAfter(RetryAfter r) {
            return new TokenBehaviour(style, limit, outputLimit, windowMs, headers, r, inputFactor, outputShare);
        }

        public TokenBehaviour withInputFactor(double factor) {
            return new TokenBehaviour(style, limit, outputLimit, windowMs, headers, retryAfter, factor, outputShare);
        }

        public TokenBehaviour withOutputLimit(long output) {
            return new TokenBehaviour(style, limit, output, windowMs, headers, retryAfter, inputFactor, outputShare);
        }
    }

    /** Whose token limits a model's are, as they count, tell and refuse. */
    public enum TokenStyle {
        OPENAI,
        ANTHROPIC,
        GEMINI;

        static TokenStyle parse(String value) {
            if (value == null || value.isBlank()) {
                return OPENAI;
            }
            try {
                return valueOf(value.strip().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("style must be openai, anthropic or gemini, got '" + value + "'");
            }
        }
    }

    /** What a model costs, as OpenRouter's /models lists it: USD per token, as strings. */
    public record Pricing(String prompt, String completion) {}

    /**
     * @param limit the model's own limit (0: none), in {@code shape}, reporting as an upstream provider does unless
     *     told otherwise
     * @param script answers given in order before normal behaviour resumes: ok, 400, 400-context, 401, 402, 403, 404,
     *     408, 429 (upstream, Retry-After 30 s), 500, 502, 503, slow, close, not-json, error-200, empty
     * @param faults answers drawn at random with probability {@code faultRate}
     * @param tokens the model's token limits, if it has any
     * @param price what it costs, listed in /models and reported in each answer's usage.cost
     * @param continuation what it does with a final assistant message (see {@code Prefills}): prefill (the default),
     *     prefill-repeats, prefix-flag, none or reject
     */
    public record ModelBehaviour(
            int limit,
            long windowMs,
            Limiter.Shape shape,
            Reporting reporting,
            Long latencyMs,
            double faultRate,
            List<String> faults,
            List<String> script,
            boolean gone,
            TokenBehaviour tokens,
            Pricing price,
            String continuation) {
        public ModelBehaviour {
            continuation = continuation == null ? "prefill" : continuation;
            if (!List.of("prefill", "prefill-repeats", "prefix-flag", "none", "reject")
                    .contains(continuation)) {
                throw new IllegalArgumentException(
                        "continuation must be prefill, prefill-repeats, prefix-flag, none or " + "reject, got '"
                                + continuation + "'");
            }
            faults = faults == null ? List.of() : List.copyOf(faults);
            script = script == null ? List.of() : List.copyOf(script);
            shape = shape == null ? Limiter.Shape.FIXED : shape;
            reporting = reporting == null ? Reporting.UPSTREAM : reporting;
        }

        @JsonCreator
        static ModelBehaviour fromYaml(
                @JsonProperty("limit") int limit,
                @JsonProperty("window-ms") long windowMs,
                @JsonProperty("shape") String shape,
                @JsonProperty("headers-on-success") Boolean headersOnSuccess,
                @JsonProperty("headers-on-429") Boolean headersOn429,
                @JsonProperty("retry-after") String retryAfter,
                @JsonProperty("reset") String reset,
                @JsonProperty("latency-ms") Long latencyMs,
                @JsonProperty("fault-rate") double faultRate,
                @JsonProperty("faults") List<String> faults,
                @JsonProperty("script") List<String> script,
                @JsonProperty("gone") boolean gone,
                @JsonProperty("tokens") TokenBehaviour tokens,
                @JsonProperty("price") Pricing price,
                @JsonProperty("continuation") String continuation) {
            return new ModelBehaviour(
                    limit,
                    windowMs,
                    Limiter.Shape.parse(shape),
                    Reporting.of(headersOnSuccess, headersOn429, retryAfter, reset, Reporting.UPSTREAM),
                    latencyMs,
                    faultRate,
                    faults,
                    script,
                    gone,
                    tokens,
                    price,
                    continuation);
        }

        public static ModelBehaviour unlimited() {
            return new ModelBehaviour(0, 0, null, null, null, 0, List.of(), List.of(), false, null, null, null);
        }

        public static ModelBehaviour limited(int limit, long windowMs) {
            return new ModelBehaviour(
                    limit, windowMs, null, null, null, 0, List.of(), List.of(), false, null, null, null);
        }

        public ModelBehaviour withScript(String... answers) {
            return new ModelBehaviour(
                    limit,
                    windowMs,
                    shape,
                    reporting,
                    latencyMs,
                    faultRate,
                    faults,
                    List.of(answers),
                    gone,
                    tokens,
                    price,
                    continuation);
        }

        public ModelBehaviour withFaults(double rate, String... kinds) {
            return new ModelBehaviour(
                    limit,
                    windowMs,
                    shape,
                    reporting,
                    latencyMs,
                    rate,
                    List.of(kinds),
                    script,
                    gone,
                    tokens,
                    price,
                    continuation);
        }

        public ModelBehaviour withLatency(long ms) {
            return new ModelBehaviour(
                    limit,
                    windowMs,
                    shape,
                    reporting,
                    ms,
                    faultRate,
                    faults,
                    script,
                    gone,
                    tokens,
                    price,
                    continuation);
        }

        public ModelBehaviour withShape(Limiter.Shape newShape, Reporting newReporting) {
            return new ModelBehaviour(
                    limit,
                    windowMs,
                    newShape,
                    newReporting,
                    latencyMs,
                    faultRate,
                    faults,
                    script,
                    gone,
                    tokens,
                    price,
                    continuation);
        }

        public ModelBehaviour withTokens(TokenBehaviour t) {
            return new ModelBehaviour(
                    limit,
                    windowMs,
                    shape,
                    reporting,
                    latencyMs,
                    faultRate,
                    faults,
                    script,
                    gone,
                    t,
                    price,
                    continuation);
        }

        public ModelBehaviour withPrice(String promptPerToken, String completionPerToken) {
            return new ModelBehaviour(
                    limit,
                    windowMs,
                    shape,
                    reporting,
                    latencyMs,
                    faultRate,
                    faults,
                    script,
                    gone,
                    tokens,
                    new Pricing(promptPerToken, completionPerToken),
                    continuation);
        }

        /** How it treats a final assistant message: prefill, prefill-repeats, prefix-flag, none or reject. */
        public ModelBehaviour withContinuation(String how) {
            return new ModelBehaviour(
                    limit, windowMs, shape, reporting, latencyMs, faultRate, faults, script, gone, tokens, price, how);
        }
    }

    public static Scenario load(Path file) {
        ObjectMapper yaml =
                new ObjectMapper(new YAMLFactory()).enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
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
        private final List<Pool> pools = new ArrayList<>();
        private final Map<String, ModelBehaviour> models = new LinkedHashMap<>();

        public Builder latencyMs(long v) {
            latencyMs = v;
            return this;
        }

        public Builder slowMs(long v) {
            slowMs = v;
            return this;
        }

        public Builder requiredKey(String v) {
            requiredKey = v;
            return this;
        }

        public Builder serveUnknownModels(boolean v) {
            serveUnknownModels = v;
            return this;
        }

        public Builder seed(long v) {
            seed = v;
            return this;
        }

        public Builder pool(String name, int limit, long windowMs, String appliesTo) {
            return pool(name, limit, windowMs, appliesTo, Limiter.Shape.FIXED, Reporting.POOL);
        }

        public Builder pool(
                String name, int limit, long windowMs, String appliesTo, Limiter.Shape shape, Reporting reporting) {
            pools.add(new Pool(name, limit, windowMs, appliesTo, shape, reporting));
            return this;
        }

        public Builder model(String id, ModelBehaviour behaviour) {
            models.put(id, behaviour);
            return this;
        }

        public Scenario build() {
            return new Scenario(latencyMs, slowMs, requiredKey, serveUnknownModels, seed, pools, models);
        }
    }
}
