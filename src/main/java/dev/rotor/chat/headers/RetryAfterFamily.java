package dev.rotor.chat.headers;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Function;

/** Retry-After (seconds or an HTTP date, RFC 9110) and OpenAI's retry-after-ms: when to try again, no more. */
final class RetryAfterFamily implements HeaderFamily {

    static final String NAME = "retry-after";
    private static final Duration CAP = Duration.ofDays(1);

    @Override
    public void read(Function<String, String> header, Instant now, LimitReport.Builder out) {
        HeaderValues v = new HeaderValues(NAME, header, now, CAP, out);
        out.retryAfterMs = v.afterMillis("retry-after-ms");
        out.retryAfter = v.retryAfter("Retry-After");
        out.retryAfterRelative = out.retryAfter.isPresent()
                && HeaderValues.countOf(v.raw("Retry-After")).isPresent();
        out.retryAfterPrecisionMs = v.precisionMs();
    }
}
