package dev.rotor.chat.headers;

import java.time.Instant;
import java.util.function.Function;

/** One provider convention for rate-limit headers. */
interface HeaderFamily {

    /**
     * Reads this family's headers, if the response has any.
     *
     * @param header a case-insensitive lookup; null when absent
     */
    void read(Function<String, String> header, Instant now, LimitReport.Builder out);
}
