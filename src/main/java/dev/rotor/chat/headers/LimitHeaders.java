package dev.rotor.chat.headers;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.function.Function;

/**
 * Reads every rate-limit signal a response carries, in every header family Rotor knows: OpenRouter's X-RateLimit-*,
 * OpenAI's x-ratelimit-*, Anthropic's anthropic-ratelimit-*, the IETF draft's RateLimit and RateLimit-Policy, and
 * Retry-After (with OpenAI's retry-after-ms).
 */
public final class LimitHeaders {

    private static final List<HeaderFamily> FAMILIES = List.of(
            new OpenRouterFamily(),
            new OpenAiFamily(),
            new AnthropicFamily(),
            new IetfFamily(),
            new RetryAfterFamily());

    private final Clock clock;

    public LimitHeaders(Clock clock) {
        this.clock = clock;
    }

    /** @param header a case-insensitive lookup of the response's headers (and, for OpenRouter, its error body's) */
    public LimitReport read(Function<String, String> header) {
        return read(header, clock.instant());
    }

    /**
     * @param header a case-insensitive lookup of the response's headers (and, for OpenRouter, its error body's)
     * @param now the instant a span ("Retry-After: 2", "retry-after-ms: 350", "6m0s") counts from
     */
    public LimitReport read(Function<String, String> header, Instant now) {
        LimitReport.Builder out = new LimitReport.Builder();
        for (HeaderFamily family : FAMILIES) {
            family.read(header, now, out);
        }
        return out.build(now);
    }
}
