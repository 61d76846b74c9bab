package dev.rotor.chat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.chat.headers.LimitSignal;
import dev.rotor.models.Unit;
import dev.rotor.support.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** 429 bodies as providers send them, read into the limit they name and when to come back. */
class RefusalBodyTest {

    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");
    private final ErrorClassifier classifier = new ErrorClassifier(new ObjectMapper(), new MutableClock(NOW));

    private static Function<String, String> headers(String... pairs) {
        Map<String, String> map = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return map::get;
    }

    private Failure failure(int status, String body) {
        return ((ErrorClassifier.Failed) classifier.classify(status, headers(), body)).failure();
    }

    private static LimitSignal only(Failure f) {
        assertThat(f.limits().signals()).hasSize(1);
        return f.limits().signals().get(0);
    }

    @Test
    void shouldReadOpenAisTokensPerMinuteMessage() {
        Failure f = failure(429, """
                {"error":{"message":"Rate limit reached for gpt-4o-mini in organization org-abc123 on tokens per min \
                (TPM): Limit 12000, Used 11200, Requested 1450. Please try again in 3.25s. Visit \
                https://platform.openai.com/account/rate-limits to learn more.","type":"tokens","param":null,\
                "code":"rate_limit_exceeded"}}""");
        assertThat(f.kind()).isEqualTo(FailureKind.RATE_LIMITED);
        assertThat(f.retryAt()).contains(NOW.plusMillis(3_250));
        assertThat(f.limits().refusedOn()).contains(Unit.TOKENS);
        LimitSignal s = only(f);
        assertThat(s.unit()).isEqualTo(Unit.TOKENS);
        assertThat(s.limit()).hasValue(12_000);
        assertThat(s.remaining()).hasValue(800);
        // 650 tokens over the limit come back in 3.25 s: 12,000 refill in 60 s
        assertThat(s.window()).contains(Duration.ofSeconds(60));
    }

    @Test
    void shouldReadGroqsTokensPerMinuteMessageInMilliseconds() {
        Failure f = failure(429, """
                {"error":{"message":"Rate limit reached for model `llama-3.1-8b-instant` in organization `org_01abc` \
                service tier `on_demand` on tokens per minute (TPM): Limit 6000, Used 5823, Requested 237. Please try \
                again in 600ms. Need more tokens? Upgrade to Dev Tier today at https://console.groq.com/settings/billing",\
                "type":"tokens","code":"rate_limit_exceeded"}}""");
        assertThat(f.retryAt()).contains(NOW.plusMillis(600));
        assertThat(f.limits().retryAtPrecisionMs()).isEqualTo(1);
        LimitSignal s = only(f);
        assertThat(s.limit()).hasValue(6_000);
        assertThat(s.window()).contains(Duration.ofSeconds(60));
    }

    @Test
    void shouldTellARequestTooLargeForTheLimitFromARateLimit() {
        Failure f = failure(429, """
                {"error":{"message":"Request too large for gpt-4o in organization org-abc123 on tokens per min (TPM): \
                Limit 10000, Requested 20183. The input or output tokens must be reduced in order to run successfully. \
                Visit https://platform.openai.com/account/rate-limits to learn more.","type":"tokens",\
                "code":"rate_limit_exceeded"}}""");
        assertThat(f.kind()).isEqualTo(FailureKind.TOO_LARGE);
        assertThat(f.retryAt()).isEmpty();
        assertThat(only(f).limit()).hasValue(10_000);
        // Groq says the same with a 413
        Failure groq = failure(413, """
                {"error":{"message":"Request too large for model `llama-3.1-8b-instant` in organization `org_01abc` \
                service tier `on_demand` on tokens per minute (TPM): Limit 6000, Requested 12302, please reduce your \
                message size and try again.","type":"tokens","code":"rate_limit_exceeded"}}""");
        assertThat(groq.kind()).isEqualTo(FailureKind.TOO_LARGE);
    }

    @Test
    void shouldReadAzuresRetryAfterSeconds() {
        Failure f = failure(429, """
                {"error":{"code":"429","message":"Requests to the ChatCompletions_Create Operation under Azure OpenAI \
                API version 2024-10-21 have exceeded token rate limit of your current AIServices S0 pricing tier. \
                Please retry after 6 seconds. Please contact Azure support service if you would like to further \
                increase the default rate limit."}}""");
        assertThat(f.retryAt()).contains(NOW.plusSeconds(6));
        assertThat(f.limits().retryAtPrecisionMs()).isEqualTo(1000);
        assertThat(f.limits().refusedOn()).contains(Unit.TOKENS);
    }

    @Test
    void shouldReadGeminisQuotaFailureAndRetryInfo() {
        Failure f = failure(429, """
                {"error":{"code":429,"message":"You exceeded your current quota, please check your plan and billing \
                details. For more information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits.\
                \\n* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_input_token_count, \
                limit: 250000, model: gemini-2.0-flash\\nPlease retry in 26.36s.","status":"RESOURCE_EXHAUSTED",\
                "details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaMetric":\
                "generativelanguage.googleapis.com/generate_content_free_tier_input_token_count","quotaId":\
                "GenerateContentInputTokensPerModelPerMinute-FreeTier","quotaDimensions":{"location":"global",\
                "model":"gemini-2.0-flash"},"quotaValue":"250000"}]},{"@type":"type.googleapis.com/google.rpc.Help",\
                "links":[{"description":"Learn more about Gemini API quotas","url":\
                "https://ai.google.dev/gemini-api/docs/rate-limits"}]},{"@type":"type.googleapis.com/google.rpc.RetryInfo",\
                "retryDelay":"26s"}]}}""");
        assertThat(f.kind()).isEqualTo(FailureKind.RATE_LIMITED);
        // the message's "retry in 26.36s" is the more precise
        assertThat(f.retryAt()).contains(NOW.plusMillis(26_360));
        LimitSignal s = only(f);
        assertThat(s.unit()).isEqualTo(Unit.INPUT_TOKENS);
        assertThat(s.limit()).hasValue(250_000);
        assertThat(s.window()).contains(Duration.ofMinutes(1));
    }

    @Test
    void shouldParkAGeminiModelWhoseDailyQuotaIsUsedUpUntilMidnightInCalifornia() {
        Failure f = failure(429, """
                [{"error":{"code":429,"message":"You exceeded your current quota.","status":"RESOURCE_EXHAUSTED",\
                "details":[{"@type":"type.googleapis.com/google.rpc.QuotaFailure","violations":[{"quotaMetric":\
                "generativelanguage.googleapis.com/generate_content_free_tier_requests","quotaId":\
                "GenerateRequestsPerDayPerProjectPerModel-FreeTier","quotaValue":"200"}]}]}}]""");
        // 10:00 UTC is 02:00 in California (PST): its midnight is 08:00 UTC the next day
        assertThat(f.retryAt()).contains(Instant.parse("2026-12-02T08:00:00Z"));
        LimitSignal s = only(f);
        assertThat(s.unit()).isEqualTo(Unit.REQUESTS);
        assertThat(s.limit()).hasValue(200);
        assertThat(s.window()).contains(Duration.ofDays(1));
    }

    @Test
    void shouldReadAnthropicsInputTokensMessageWithItsRetryAfterHeader() {
        ErrorClassifier.Verdict v = classifier.classify(
                429,
                headers(
                        "retry-after",
                        "14",
                        "anthropic-ratelimit-input-tokens-limit",
                        "20000",
                        "anthropic-ratelimit-input-tokens-remaining",
                        "0",
                        "anthropic-ratelimit-input-tokens-reset",
                        "2026-12-01T10:00:14Z"),
                """
                {"type":"error","error":{"type":"rate_limit_error","message":"This request would exceed the rate limit \
                for your organization (0a1b2c3d) of 20,000 input tokens per minute. For details, refer to: \
                https://docs.claude.com/en/api/rate-limits. You can see the response headers for current usage."}}""");
        Failure f = ((ErrorClassifier.Failed) v).failure();
        assertThat(f.kind()).isEqualTo(FailureKind.RATE_LIMITED);
        assertThat(f.retryAt()).contains(NOW.plusSeconds(14));
        assertThat(f.limits().refusedOn()).contains(Unit.INPUT_TOKENS);
        assertThat(f.limits().signals()).anySatisfy(s -> {
            assertThat(s.unit()).isEqualTo(Unit.INPUT_TOKENS);
            assertThat(s.limit()).hasValue(20_000);
            assertThat(s.exhausted()).isTrue();
        });
    }
}
