package dev.rotor.chat.headers;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * OpenAI's x-ratelimit-limit-requests, -remaining-requests, -reset-requests and the same for tokens. The reset is a
 * span in Go's duration text ({@code 6m0s}, {@code 1s}, {@code 20ms}) until the limit is whole again: OpenAI refills
 * continuously, so the window follows from how much was used and how long the refill takes. Limits run up to a day
 * (requests per day).
 */
final class OpenAiFamily implements HeaderFamily {

    static final String NAME = "openai";
    private static final Duration CAP = Duration.ofDays(1);

    @Override
    public void read(Function<String, String> header, Instant now, LimitReport.Builder out) {
        HeaderValues v = new HeaderValues(NAME, header, now, CAP, out);
        read(v, "requests", LimitSignal.Unit.REQUESTS, out);
        read(v, "tokens", LimitSignal.Unit.TOKENS, out);
    }

    private static void read(HeaderValues v, String unit, LimitSignal.Unit kind, LimitReport.Builder out) {
        String limitName = "x-ratelimit-limit-" + unit;
        String remainingName = "x-ratelimit-remaining-" + unit;
        String resetName = "x-ratelimit-reset-" + unit;
        if (!v.has(limitName) && !v.has(remainingName) && !v.has(resetName)) {
            return;
        }
        OptionalLong limit = v.count(limitName);
        OptionalLong remaining = v.remainingWithin(remainingName, v.count(remainingName), limit);
        Optional<Instant> reset = v.resetAfterGoDuration(resetName);
        out.signals.add(new LimitSignal(NAME, kind, limit, remaining, reset, v.refillWindow(limit, remaining, reset)));
    }
}
