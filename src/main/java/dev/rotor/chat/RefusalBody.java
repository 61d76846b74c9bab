package dev.rotor.chat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.chat.headers.Durations;
import dev.rotor.chat.headers.LimitSignal;
import dev.rotor.models.Unit;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a 429's body says of the limit it met, for providers that say it there rather than (or as well as) in headers:
 *
 * <ul>
 *   <li>OpenAI, Groq and Azure OpenAI write it in the message: "Rate limit reached for gpt-4o in organization ... on
 *       tokens per min (TPM): Limit 30000, Used 26542, Requested 5033. Please try again in 3.15s." A request that can
 *       never fit says "Request too large for ... Limit 10000, Requested 20183".
 *   <li>Gemini puts a {@code google.rpc.QuotaFailure} (the quota's id and value) and a {@code google.rpc.RetryInfo}
 *       ({@code retryDelay: "26s"}) in {@code error.details}; a per-day quota resets at midnight Pacific time.
 *   <li>Anthropic names the limit in its message: "... of 20,000 input tokens per minute".
 * </ul>
 */
public record RefusalBody(
        List<LimitSignal> signals,
        Optional<Unit> unit,
        Optional<Instant> retryAt,
        long precisionMs,
        boolean tooLarge,
        OptionalLong requested) {

    static final RefusalBody NOTHING =
            new RefusalBody(List.of(), Optional.empty(), Optional.empty(), 1, false, OptionalLong.empty());

    private static final Pattern LIMIT = Pattern.compile("Limit:? ([\\d,]+)", Pattern.CASE_INSENSITIVE);
    private static final Pattern USED = Pattern.compile("Used:? ([\\d,]+)", Pattern.CASE_INSENSITIVE);
    private static final Pattern REQUESTED = Pattern.compile("Requested:? ([\\d,]+)", Pattern.CASE_INSENSITIVE);
    /** "try again in 3.15s", "in 20ms", "in 1m30.5s"; Azure's "retry after 6 seconds". */
    private static final Pattern TRY_AGAIN =
            Pattern.compile("(?:try again|retry) in ((?:\\d+(?:\\.\\d+)?(?:ms|us|h|m|s))+)", Pattern.CASE_INSENSITIVE);

    private static final Pattern RETRY_AFTER_SECONDS =
            Pattern.compile("(?:retry after|try again in) (\\d+(?:\\.\\d+)?) seconds?", Pattern.CASE_INSENSITIVE);
    private static final Pattern TOO_LARGE = Pattern.compile("request too large", Pattern.CASE_INSENSITIVE);
    private static final Pattern PER_DAY =
            Pattern.compile("per day|\\(TPD\\)|\\(RPD\\)|PerDay", Pattern.CASE_INSENSITIVE);
    private static final ZoneId GEMINI_DAY = ZoneId.of("America/Los_Angeles");
    private static final String FAMILY = "body";

    /** Reads the error object of a 429 (or a 413 that says a request is too large) answered at {@code now}. */
    static RefusalBody read(JsonNode error, Instant now) {
        String message = error.path("message").asText("");
        List<LimitSignal> signals = new ArrayList<>();
        Optional<Unit> unit = unitIn(message);
        Optional<Instant> retryAt = Optional.empty();
        long precision = 1;
        OptionalLong limit = number(LIMIT, message);
        OptionalLong used = number(USED, message);
        OptionalLong requested = number(REQUESTED, message);
        Optional<Duration> wait = tryAgainIn(message);
        if (wait.isPresent()) {
            retryAt = Optional.of(now.plus(wait.get()));
            precision = wholeSeconds(wait.get()) ? 1000 : 1;
        }
        boolean tooLarge = TOO_LARGE.matcher(message).find();
        if (limit.isPresent() && unit.isPresent()) {
            OptionalLong remaining = used.isPresent()
                    ? OptionalLong.of(Math.max(0, limit.getAsLong() - used.getAsLong()))
                    : OptionalLong.empty();
            signals.add(new LimitSignal(
                    FAMILY,
                    unit.get(),
                    limit,
                    remaining,
                    retryAt,
                    refill(limit, used, requested, wait, message),
                    precision));
        }
        Gemini gemini = gemini(error.path("details"), now);
        if (gemini.retryAt().isPresent() && retryAt.isEmpty()) {
            retryAt = gemini.retryAt();
            precision = gemini.precisionMs();
        }
        signals.addAll(gemini.signals());
        return new RefusalBody(List.copyOf(signals), unit.or(gemini::unit), retryAt, precision, tooLarge, requested);
    }

    /**
     * The window that refills the limit at the rate the provider's wait implies: the part of this request over the
     * limit ({@code used + requested - limit}) comes back in {@code wait}. Empty when the figures do not say, or the
     * message names a per-day limit (no refill to read within a call).
     */
    private static Optional<Duration> refill(
            OptionalLong limit, OptionalLong used, OptionalLong requested, Optional<Duration> wait, String message) {
        if (PER_DAY.matcher(message).find()) {
            return Optional.of(Duration.ofDays(1));
        }
        if (limit.isEmpty()
                || used.isEmpty()
                || requested.isEmpty()
                || wait.isEmpty()
                || wait.get().isZero()) {
            return Optional.empty();
        }
        long over = used.getAsLong() + requested.getAsLong() - limit.getAsLong();
        if (over <= 0) {
            return Optional.empty();
        }
        double perMs = over / (double) wait.get().toMillis();
        return Optional.of(Duration.ofMillis(Math.max(1, Math.round(limit.getAsLong() / perMs))));
    }

    private static Optional<Unit> unitIn(String message) {
        String m = message.toLowerCase(Locale.ROOT);
        if (m.contains("input tokens") || m.contains("input_tokens")) {
            return Optional.of(Unit.INPUT_TOKENS);
        }
        if (m.contains("output tokens") || m.contains("output_tokens")) {
            return Optional.of(Unit.OUTPUT_TOKENS);
        }
        if (m.contains("tokens per") || m.contains("(tpm)") || m.contains("(tpd)") || m.contains("token rate limit")) {
            return Optional.of(Unit.TOKENS);
        }
        if (m.contains("requests per") || m.contains("(rpm)") || m.contains("(rpd)")) {
            return Optional.of(Unit.REQUESTS);
        }
        return Optional.empty();
    }

    private static Optional<Duration> tryAgainIn(String message) {
        Matcher seconds = RETRY_AFTER_SECONDS.matcher(message);
        if (seconds.find()) {
            return Optional.of(Duration.ofMillis(Math.round(Double.parseDouble(seconds.group(1)) * 1000)));
        }
        Matcher m = TRY_AGAIN.matcher(message);
        return m.find() ? goDuration(m.group(1)) : Optional.empty();
    }

    private static boolean wholeSeconds(Duration d) {
        return d.toMillis() % 1000 == 0;
    }

    private static OptionalLong number(Pattern p, String message) {
        Matcher m = p.matcher(message);
        if (!m.find()) {
            return OptionalLong.empty();
        }
        try {
            return OptionalLong.of(Long.parseLong(m.group(1).replace(",", "")));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    /** What Gemini's {@code error.details} say: the quota met, and when to retry. */
    private record Gemini(
            List<LimitSignal> signals, Optional<Unit> unit, Optional<Instant> retryAt, long precisionMs) {}

    private static Gemini gemini(JsonNode details, Instant now) {
        List<LimitSignal> signals = new ArrayList<>();
        Optional<Unit> unit = Optional.empty();
        Optional<Instant> retryAt = Optional.empty();
        long precision = 1;
        boolean perDay = false;
        for (JsonNode d : details) {
            String type = d.path("@type").asText("");
            if (type.endsWith("google.rpc.RetryInfo")) {
                Optional<Duration> delay = goDuration(d.path("retryDelay").asText(""));
                if (delay.isPresent()) {
                    retryAt = Optional.of(now.plus(delay.get()));
                    precision = wholeSeconds(delay.get()) ? 1000 : 1;
                }
            } else if (type.endsWith("google.rpc.QuotaFailure")) {
                for (JsonNode v : d.path("violations")) {
                    String id = v.path("quotaId").asText("") + " "
                            + v.path("quotaMetric").asText("");
                    Unit u = id.contains("Token") || id.contains("token") ? Unit.INPUT_TOKENS : Unit.REQUESTS;
                    boolean day = id.contains("PerDay");
                    perDay |= day;
                    unit = unit.or(() -> Optional.of(u));
                    OptionalLong value = parseLong(v.path("quotaValue").asText(""));
                    if (value.isPresent()) {
                        signals.add(new LimitSignal(
                                FAMILY,
                                u,
                                value,
                                OptionalLong.of(0),
                                Optional.empty(),
                                Optional.of(day ? Duration.ofDays(1) : Duration.ofMinutes(1)),
                                1));
                    }
                }
            }
        }
        if (perDay && retryAt.isEmpty()) {
            // a day's quota comes back at the day's reset, midnight in California
            retryAt = Optional.of(LocalDate.ofInstant(now, GEMINI_DAY)
                    .plusDays(1)
                    .atStartOfDay(GEMINI_DAY)
                    .toInstant());
            precision = 1000;
        }
        return new Gemini(signals, unit, retryAt, precision);
    }

    private static OptionalLong parseLong(String text) {
        try {
            return text.isBlank() ? OptionalLong.empty() : OptionalLong.of(Long.parseLong(text.strip()));
        } catch (NumberFormatException e) {
            return OptionalLong.empty();
        }
    }

    private static Optional<Duration> goDuration(String text) {
        return Durations.goDuration(text);
    }
}
