package dev.rotor.chat.headers;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * Anthropic's anthropic-ratelimit-requests-limit, -remaining and -reset (RFC 3339: when the limit is fully
 * replenished), and the same for tokens, input tokens and output tokens. Anthropic's limits are per minute and
 * refill continuously, so a reset is at most a minute ahead and the window follows from the refill.
 */
final class AnthropicFamily implements HeaderFamily {

    static final String NAME = "anthropic";
    private static final Duration CAP = Duration.ofMinutes(1);

    @Override
    public void read(Function<String, String> header, Instant now, LimitReport.Builder out) {
        HeaderValues v = new HeaderValues(NAME, header, now, CAP, out);
        read(v, "requests", LimitSignal.Unit.REQUESTS, out);
        read(v, "tokens", LimitSignal.Unit.TOKENS, out);
        read(v, "input-tokens", LimitSignal.Unit.TOKENS, out);
        read(v, "output-tokens", LimitSignal.Unit.TOKENS, out);
    }

    private static void read(HeaderValues v, String unit, LimitSignal.Unit kind, LimitReport.Builder out) {
        String prefix = "anthropic-ratelimit-" + unit + "-";
        if (!v.has(prefix + "limit") && !v.has(prefix + "remaining") && !v.has(prefix + "reset")) {
            return;
        }
        OptionalLong limit = v.count(prefix + "limit");
        OptionalLong remaining = v.remainingWithin(prefix + "remaining", v.count(prefix + "remaining"), limit);
        Optional<Instant> reset = v.resetAtRfc3339(prefix + "reset");
        out.signals.add(new LimitSignal(NAME, kind, limit, remaining, reset, v.refillWindow(limit, remaining, reset)));
    }
}
