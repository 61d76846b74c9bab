package dev.rotor.chat.headers;

import dev.rotor.models.Unit;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Function;

/**
 * Anthropic's anthropic-ratelimit-requests-limit, -remaining and -reset (RFC 3339: when the limit is fully
 * replenished), and the same for tokens, input tokens and output tokens. Anthropic's limits are per minute and refill
 * continuously, so a reset is at most a minute ahead and the window follows from the refill.
 */
final class AnthropicFamily implements HeaderFamily {

    static final String NAME = "anthropic";
    private static final Duration CAP = Duration.ofMinutes(1);

    @Override
    public void read(Function<String, String> header, Instant now, LimitReport.Builder out) {
        HeaderValues v = new HeaderValues(NAME, header, now, CAP, out);
        read(v, "requests", Unit.REQUESTS);
        read(v, "tokens", Unit.TOKENS);
        read(v, "input-tokens", Unit.INPUT_TOKENS);
        read(v, "output-tokens", Unit.OUTPUT_TOKENS);
    }

    private static void read(HeaderValues v, String unit, Unit kind) {
        String prefix = "anthropic-ratelimit-" + unit + "-";
        v.refilling(kind, prefix + "limit", prefix + "remaining", prefix + "reset", v::resetAtRfc3339);
    }
}
