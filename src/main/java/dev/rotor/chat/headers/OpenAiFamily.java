package dev.rotor.chat.headers;

import dev.rotor.models.Unit;
import java.time.Duration;
import java.time.Instant;
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
        read(v, "requests", Unit.REQUESTS);
        read(v, "tokens", Unit.TOKENS);
    }

    private static void read(HeaderValues v, String unit, Unit kind) {
        v.refilling(
                kind,
                "x-ratelimit-limit-" + unit,
                "x-ratelimit-remaining-" + unit,
                "x-ratelimit-reset-" + unit,
                v::resetAfterGoDuration);
    }
}
