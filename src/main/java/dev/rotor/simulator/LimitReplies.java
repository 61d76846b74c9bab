package dev.rotor.simulator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.util.Map;

/** What a limit tells in its answers, as its reporting says: X-RateLimit-*, Retry-After, retry-after-ms. */
final class LimitReplies {

    private LimitReplies() {}

    /**
     * A limit's 429 headers as its reporting says: X-RateLimit-* and Retry-After (and retry-after-ms), naming when the
     * next call fits or when the limit is whole again, as the reporting's reset means.
     */
    static Map<String, String> limitedHeaders(
            HttpExchange exchange, Limiter limiter, Scenario.Reporting reporting, long now) {
        long nextFree = Math.max(
                now, reporting.reset() == Scenario.Reset.FULL ? limiter.resetMs(now) : limiter.nextFreeMs(now));
        if (reporting.retryAfter() != Scenario.RetryAfter.NONE) {
            exchange.getResponseHeaders().add("Retry-After", Long.toString(Math.max(1, (nextFree - now + 999) / 1000)));
        }
        if (reporting.retryAfter() == Scenario.RetryAfter.MILLISECONDS) {
            exchange.getResponseHeaders().add("retry-after-ms", Long.toString(nextFree - now));
        }
        return reporting.on429() ? rateHeaders(exchange, limiter, nextFree, now) : Map.of();
    }

    static Map<String, String> rateHeaders(HttpExchange exchange, Limiter limiter, long resetMs, long now) {
        Map<String, String> headers = Map.of(
                "X-RateLimit-Limit",
                Integer.toString(limiter.limit()),
                "X-RateLimit-Remaining",
                Integer.toString(limiter.remaining(now)),
                "X-RateLimit-Reset",
                Long.toString(resetMs));
        headers.forEach((k, v) -> exchange.getResponseHeaders().add(k, v));
        return headers;
    }

    /** The headers again inside the error body, as OpenRouter puts them in {@code error.metadata.headers}. */
    static ObjectNode metadataHeaders(ObjectMapper json, Map<String, String> headers) {
        ObjectNode metadata = json.createObjectNode();
        ObjectNode h = metadata.putObject("headers");
        headers.forEach(h::put);
        return metadata;
    }
}
