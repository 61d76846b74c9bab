package dev.rotor.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;
import dev.rotor.simulator.Scenario.TokenBehaviour;
import dev.rotor.simulator.Scenario.TokenStyle;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * One model's token limits as its provider enforces them (OpenAI, Anthropic or Gemini, see {@link TokenBehaviour}):
 * counts a call as that provider does, with a tokenizer of its own ({@code cl100k_base} and a factor, not Rotor's),
 * admits or refuses it, and writes the headers and 429 bodies that provider writes.
 */
final class TokenLimiting {

    /** What a call counts and whether it got in. */
    record Admission(
            boolean admitted,
            boolean tooLarge,
            long input,
            long maxTokens,
            long output,
            int status,
            Map<String, String> headers,
            JsonNode errorBody) {}

    // o200k_base, as GPT-4o's provider counts: another vocabulary than Rotor's own count, as most providers are
    private static final Encoding O200K = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** What a call reserves for output when it names no max_tokens: the model's limit, as OpenAI and Bedrock do. */
    static final long DEFAULT_MAX_TOKENS = 4096;

    private final String model;
    private final TokenBehaviour behaviour;
    private final TokenBucket input;
    private final TokenBucket output;
    private long admittedTokens;

    TokenLimiting(String model, TokenBehaviour behaviour, long originMs) {
        this.model = model;
        this.behaviour = behaviour;
        this.input = new TokenBucket(behaviour.limit(), behaviour.windowMs(), originMs);
        this.output = behaviour.style() == TokenStyle.ANTHROPIC && behaviour.outputLimit() > 0
                ? new TokenBucket(behaviour.outputLimit(), behaviour.windowMs(), originMs)
                : null;
    }

    /** The input tokens this provider counts for a request: its own tokenizer, and its chat framing. */
    long inputTokens(JsonNode request) {
        long n = 3;
        for (JsonNode m : request.path("messages")) {
            n += 4
                    + Math.round(behaviour.inputFactor()
                            * O200K.countTokensOrdinary(m.path("content").asText("")));
        }
        return n;
    }

    /**
     * The tokens its (input) limit admitted so far, as its provider counts them: input and max_tokens for OpenAI, input
     * for Anthropic and Gemini. What the benchmark's capacity is measured in.
     */
    synchronized long admittedTokens() {
        return admittedTokens;
    }

    synchronized Admission admit(JsonNode request, long nowMs) {
        long in = inputTokens(request);
        long max = request.path("max_tokens")
                .asLong(request.path("max_completion_tokens").asLong(DEFAULT_MAX_TOKENS));
        long out = Math.max(1, Math.round(max * behaviour.outputShare()));
        return switch (behaviour.style()) {
            case OPENAI -> openAi(in, max, out, nowMs);
            case ANTHROPIC -> anthropic(in, max, out, nowMs);
            case GEMINI -> gemini(in, max, out, nowMs);
        };
    }

    /** Input and the whole max_tokens at admission, kept. */
    private Admission openAi(long in, long max, long out, long nowMs) {
        long requested = in + max;
        if (requested > input.capacity()) {
            return refused(
                    true,
                    in,
                    max,
                    out,
                    429,
                    openAiHeaders(nowMs),
                    openAiError("Request too large for " + model
                            + " in organization org-sim on tokens per min (TPM): Limit " + input.capacity()
                            + ", Requested "
                            + requested
                            + ". The input or output tokens must be reduced in order to run successfully."));
        }
        if (!input.tryTake(requested, nowMs)) {
            long waitMs = input.msUntil(requested, nowMs);
            long used = input.capacity() - input.remaining(nowMs);
            Map<String, String> headers = openAiHeaders(nowMs);
            retryAfter(headers, waitMs);
            return refused(
                    false,
                    in,
                    max,
                    out,
                    429,
                    headers,
                    openAiError("Rate limit reached for " + model
                            + " in organization org-sim on tokens per min (TPM): Limit " + input.capacity() + ", Used "
                            + used
                            + ", Requested " + requested + ". Please try again in " + goDuration(waitMs) + ". Visit "
                            + "https://platform.openai.com/account/rate-limits to learn more."));
        }
        admittedTokens += requested;
        return new Admission(true, false, in, max, out, 200, openAiHeaders(nowMs), null);
    }

    /** Input counted on its own limit; max_tokens reserved on the output limit, the unused part given back. */
    private Admission anthropic(long in, long max, long out, long nowMs) {
        boolean inputFits = input.remaining(nowMs) >= in;
        boolean outputFits = output == null || output.remaining(nowMs) >= max;
        if (in > input.capacity() || (output != null && max > output.capacity())) {
            return refused(
                    true,
                    in,
                    max,
                    out,
                    429,
                    anthropicHeaders(nowMs),
                    anthropicError("Request too large: it "
                            + "would exceed the rate limit for your organization of "
                            + String.format(
                                    Locale.ROOT, "%,d", in > input.capacity() ? input.capacity() : output.capacity())
                            + (in > input.capacity() ? " input" : " output") + " tokens per minute."));
        }
        if (!inputFits || !outputFits) {
            long waitMs = !inputFits ? input.msUntil(in, nowMs) : output.msUntil(max, nowMs);
            Map<String, String> headers = anthropicHeaders(nowMs);
            retryAfter(headers, waitMs);
            String which = !inputFits ? "input" : "output";
            long limit = !inputFits ? input.capacity() : output.capacity();
            return refused(
                    false,
                    in,
                    max,
                    out,
                    429,
                    headers,
                    anthropicError(
                            "This request would exceed the rate "
                                    + "limit for your organization (org-sim) of "
                                    + String.format(Locale.ROOT, "%,d", limit) + " "
                                    + which
                                    + " tokens per minute. For details, refer to: https://docs.claude.com/en/api/rate-limits."));
        }
        input.tryTake(in, nowMs);
        if (output != null) {
            output.tryTake(max, nowMs);
            output.giveBack(max - out, nowMs);
        }
        admittedTokens += in;
        return new Admission(true, false, in, max, out, 200, anthropicHeaders(nowMs), null);
    }

    /** Input tokens only; no headers; a 429 body with Google's QuotaFailure and RetryInfo. */
    private Admission gemini(long in, long max, long out, long nowMs) {
        if (in > input.capacity() || !input.tryTake(in, nowMs)) {
            long waitMs = in > input.capacity() ? behaviour.windowMs() : input.msUntil(in, nowMs);
            Map<String, String> headers = new LinkedHashMap<>();
            retryAfter(headers, waitMs);
            return refused(in > input.capacity(), in, max, out, 429, headers, geminiError(waitMs));
        }
        admittedTokens += in;
        return new Admission(true, false, in, max, out, 200, Map.of(), null);
    }

    private Admission refused(
            boolean tooLarge, long in, long max, long out, int status, Map<String, String> headers, JsonNode body) {
        return new Admission(false, tooLarge, in, max, out, status, headers, body);
    }

    private Map<String, String> openAiHeaders(long nowMs) {
        Map<String, String> h = new LinkedHashMap<>();
        if (behaviour.headers()) {
            h.put("x-ratelimit-limit-tokens", Long.toString(input.capacity()));
            h.put("x-ratelimit-remaining-tokens", Long.toString(input.remaining(nowMs)));
            h.put("x-ratelimit-reset-tokens", goDuration(input.msUntilFull(nowMs)));
        }
        return h;
    }

    private Map<String, String> anthropicHeaders(long nowMs) {
        Map<String, String> h = new LinkedHashMap<>();
        if (behaviour.headers()) {
            anthropic(h, "input-tokens", input, nowMs);
            if (output != null) {
                anthropic(h, "output-tokens", output, nowMs);
            }
        }
        return h;
    }

    /** Anthropic's RFC 3339 reset (when the limit is whole again), to the second as it writes them. */
    private static void anthropic(Map<String, String> h, String unit, TokenBucket bucket, long nowMs) {
        h.put("anthropic-ratelimit-" + unit + "-limit", Long.toString(bucket.capacity()));
        h.put("anthropic-ratelimit-" + unit + "-remaining", Long.toString(bucket.remaining(nowMs)));
        Instant full =
                Instant.ofEpochMilli(nowMs + bucket.msUntilFull(nowMs) + 999).truncatedTo(ChronoUnit.SECONDS);
        h.put("anthropic-ratelimit-" + unit + "-reset", full.toString());
    }

    private void retryAfter(Map<String, String> headers, long waitMs) {
        if (behaviour.retryAfter() != Scenario.RetryAfter.NONE) {
            headers.put("retry-after", Long.toString(Math.max(1, (waitMs + 999) / 1000)));
        }
        if (behaviour.retryAfter() == Scenario.RetryAfter.MILLISECONDS) {
            headers.put("retry-after-ms", Long.toString(waitMs));
        }
    }

    private static JsonNode openAiError(String message) {
        ObjectNode body = JSON.createObjectNode();
        body.putObject("error")
                .put("message", message)
                .put("type", "tokens")
                .putNull("param")
                .put("code", "rate_limit_exceeded");
        return body;
    }

    private static JsonNode anthropicError(String message) {
        ObjectNode body = JSON.createObjectNode().put("type", "error");
        body.putObject("error").put("type", "rate_limit_error").put("message", message);
        return body;
    }

    private JsonNode geminiError(long waitMs) {
        ObjectNode body = JSON.createObjectNode();
        ObjectNode error = body.putObject("error")
                .put("code", 429)
                .put("status", "RESOURCE_EXHAUSTED")
                .put(
                        "message",
                        "You exceeded your current quota, please check your plan and billing details.\n"
                                + "* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_input_token_count, "
                                + "limit: " + input.capacity() + ", model: " + model + "\nPlease retry in "
                                + String.format(Locale.ROOT, "%.3fs", waitMs / 1000.0) + ".");
        var details = error.putArray("details");
        ObjectNode failure = details.addObject().put("@type", "type.googleapis.com/google.rpc.QuotaFailure");
        failure.putArray("violations")
                .addObject()
                .put("quotaMetric", "generativelanguage.googleapis.com/generate_content_input_token_count")
                .put("quotaId", "GenerateContentInputTokensPerModelPerMinute")
                .put("quotaValue", Long.toString(input.capacity()));
        details.addObject()
                .put("@type", "type.googleapis.com/google.rpc.RetryInfo")
                .put("retryDelay", Math.max(1, (waitMs + 999) / 1000) + "s");
        return body;
    }

    /** OpenAI's Go-style spans: 20ms, 1.5s, 1m2.5s. */
    static String goDuration(long ms) {
        if (ms < 1000) {
            return ms + "ms";
        }
        if (ms < 60_000) {
            return trim(String.format(Locale.ROOT, "%.3f", ms / 1000.0)) + "s";
        }
        return ms / 60_000 + "m" + trim(String.format(Locale.ROOT, "%.3f", (ms % 60_000) / 1000.0)) + "s";
    }

    private static String trim(String decimal) {
        return decimal.contains(".") ? decimal.replaceAll("0+$", "").replaceAll("\\.$", "") : decimal;
    }
}
