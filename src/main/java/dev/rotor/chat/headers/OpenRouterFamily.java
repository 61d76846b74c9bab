package dev.rotor.chat.headers;

import dev.rotor.models.Unit;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * OpenRouter's X-RateLimit-Limit, -Remaining and -Reset (epoch milliseconds), in the headers or, for its pool 429s, in
 * the error body's {@code metadata.headers}. The reset is the end of a fixed window of up to a day
 * (free-models-per-day); the window's length is not said.
 */
final class OpenRouterFamily implements HeaderFamily {

    static final String NAME = "openrouter";
    private static final Duration CAP = Duration.ofDays(1);

    @Override
    public void read(Function<String, String> header, Instant now, LimitReport.Builder out) {
        HeaderValues v = new HeaderValues(NAME, header, now, CAP, out);
        if (!v.has("X-RateLimit-Limit") && !v.has("X-RateLimit-Remaining") && !v.has("X-RateLimit-Reset")) {
            return;
        }
        OptionalLong limit = v.count("X-RateLimit-Limit");
        OptionalLong remaining = v.remainingWithin("X-RateLimit-Remaining", v.count("X-RateLimit-Remaining"), limit);
        Optional<Instant> reset = v.resetBySize("X-RateLimit-Reset");
        if (limit.isPresent() || remaining.isPresent() || reset.isPresent()) {
            out.signals.add(
                    new LimitSignal(NAME, Unit.REQUESTS, limit, remaining, reset, Optional.empty(), v.precisionMs()));
        }
    }
}
