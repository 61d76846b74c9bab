package dev.rotor.chat;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Clock;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * Turns one response (status, headers, body) or one exception into a {@link ChatResult} or a {@link Failure}.
 * A 200 is a success only when its body is a JSON completion with non-empty content.
 */
public final class ErrorClassifier {

    /** OpenRouter names its account-wide pools in the 429 message. */
    private static final Pattern FREE_POOL = Pattern.compile("free-models-per-(min|day)");
    private static final Pattern CONTEXT = Pattern.compile(
            "context[ _-]?length|context window|maximum context|too many tokens|reduce the length|prompt is too long",
            Pattern.CASE_INSENSITIVE);
    /** Epoch values below this are seconds, above it milliseconds (OpenRouter sends milliseconds). */
    private static final long EPOCH_MILLIS_THRESHOLD = 100_000_000_000L;

    private final ObjectMapper json;
    private final Clock clock;

    public ErrorClassifier(ObjectMapper json, Clock clock) {
        this.json = json;
        this.clock = clock;
    }

    /** Either a completion or the reason there is none. */
    public sealed interface Verdict permits Completed, Failed {
    }

    public record Completed(ChatResult result) implements Verdict {
    }

    public record Failed(Failure failure) implements Verdict {
    }

    public Verdict classify(int status, Function<String, String> header, String body) {
        Optional<JsonNode> parsed = parse(body);
        if (status >= 200 && status < 300) {
            if (parsed.isEmpty() || !parsed.get().isObject()) {
                return failed(FailureKind.TRANSIENT, status, "response body is not a JSON object: " + excerpt(body));
            }
            JsonNode error = parsed.get().get("error");
            if (error != null && !error.isNull()) {
                int embedded = error.path("code").asInt(0);
                return new Failed(classifyError(embedded >= 400 ? embedded : 502, header, error, true));
            }
            return completion(parsed.get(), status);
        }
        JsonNode error = parsed.map(b -> b.path("error")).orElse(json.missingNode());
        return new Failed(classifyError(status, header, error, false));
    }

    /** An exception instead of a response: connect/read timeouts, resets, closed connections. */
    public Failure classify(Throwable error) {
        Throwable cause = rootIoCause(error);
        String what = cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
        if (cause instanceof InterruptedIOException) {
            return Failure.of(FailureKind.TRANSIENT, 0, "timed out: " + what);
        }
        return Failure.of(FailureKind.TRANSIENT, 0, what);
    }

    private Verdict completion(JsonNode body, int status) {
        JsonNode content = body.path("choices").path(0).path("message").path("content");
        if (!content.isTextual() || content.asText().isBlank()) {
            return failed(FailureKind.TRANSIENT, status, "empty completion");
        }
        JsonNode usage = body.path("usage").isObject() ? body.get("usage") : json.createObjectNode();
        return new Completed(new ChatResult(content.asText(), usage, body.path("model").asText("")));
    }

    private Failure classifyError(int status, Function<String, String> header, JsonNode error, boolean inOkBody) {
        String message = error.path("message").asText("").strip();
        String raw = error.path("metadata").path("raw").asText("").strip();
        String detail = (message.isEmpty() ? "HTTP " + status : message) + (raw.isEmpty() ? "" : ": " + excerpt(raw));
        if (inOkBody) {
            detail = "error in a 200 response: " + detail;
        }
        Optional<Instant> retryAt = retryAt(header, error.path("metadata").path("headers"));
        return switch (status) {
            case 429 -> new Failure(FailureKind.RATE_LIMITED, status, detail, scopeOf(message, error), retryAt);
            case 400, 413 -> Failure.of(status == 413 || CONTEXT.matcher(message).find()
                    ? FailureKind.CONTEXT_TOO_LONG : FailureKind.BAD_REQUEST, status, detail);
            case 401 -> Failure.of(FailureKind.AUTH, status, detail);
            case 403 -> Failure.of(isModeration(error) ? FailureKind.BAD_REQUEST : FailureKind.AUTH, status, detail);
            case 402 -> Failure.of(FailureKind.PAYMENT, status, detail);
            case 404 -> Failure.of(FailureKind.MODEL_GONE, status, detail);
            case 405, 409, 415, 422 -> Failure.of(FailureKind.BAD_REQUEST, status, detail);
            default -> new Failure(FailureKind.TRANSIENT, status, detail, LimitScope.UNSPECIFIED, retryAt);
        };
    }

    private static LimitScope scopeOf(String message, JsonNode error) {
        if (FREE_POOL.matcher(message).find()) {
            return LimitScope.PROVIDER_FREE_POOL;
        }
        boolean upstream = error.path("metadata").hasNonNull("provider_name")
                || message.toLowerCase(Locale.ROOT).contains("upstream");
        return upstream ? LimitScope.MODEL : LimitScope.UNSPECIFIED;
    }

    private static boolean isModeration(JsonNode error) {
        return error.path("metadata").has("reasons") || error.path("message").asText("").toLowerCase(Locale.ROOT)
                .contains("moderation");
    }

    /** X-RateLimit-Reset (header, then inside the error body), else Retry-After; only times still ahead count. */
    Optional<Instant> retryAt(Function<String, String> header, JsonNode bodyHeaders) {
        Instant now = clock.instant();
        Optional<Instant> reset = epoch(header.apply("X-RateLimit-Reset"))
                .or(() -> epoch(textOf(bodyHeaders, "X-RateLimit-Reset")));
        if (reset.isPresent() && reset.get().isAfter(now)) {
            return reset;
        }
        return retryAfter(header.apply("Retry-After"), now).filter(t -> t.isAfter(now));
    }

    private static String textOf(JsonNode headers, String name) {
        var fields = headers.fields();
        while (fields.hasNext()) {
            var field = fields.next();
            if (field.getKey().equalsIgnoreCase(name)) {
                return field.getValue().asText(null);
            }
        }
        return null;
    }

    private static Optional<Instant> epoch(String value) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        try {
            long n = (long) Double.parseDouble(value.strip());
            return Optional.of(n >= EPOCH_MILLIS_THRESHOLD ? Instant.ofEpochMilli(n) : Instant.ofEpochSecond(n));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static Optional<Instant> retryAfter(String value, Instant now) {
        if (value == null || value.isBlank()) {
            return Optional.empty();
        }
        String v = value.strip();
        try {
            double seconds = Double.parseDouble(v);
            return Optional.of(now.plusMillis((long) Math.ceil(seconds * 1000)));
        } catch (NumberFormatException notSeconds) {
            try {
                return Optional.of(ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant());
            } catch (DateTimeParseException notADate) {
                return Optional.empty();
            }
        }
    }

    private Optional<JsonNode> parse(String body) {
        if (body == null || body.isBlank()) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(json.readTree(body));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private static Throwable rootIoCause(Throwable error) {
        Throwable t = error;
        while (t.getCause() != null && !(t instanceof IOException)) {
            t = t.getCause();
        }
        return t;
    }

    private static Verdict failed(FailureKind kind, int status, String message) {
        return new Failed(Failure.of(kind, status, message));
    }

    private static String excerpt(String body) {
        if (body == null || body.isEmpty()) {
            return "(empty)";
        }
        String oneLine = body.replaceAll("\\s+", " ");
        return oneLine.length() > 120 ? oneLine.substring(0, 120) + "..." : oneLine;
    }

    /**
     * On a success that used up the last request of a window (X-RateLimit-Remaining: 0), when the window resets:
     * learning it here spares the next task a 429.
     */
    public Optional<Instant> quotaExhaustedUntil(Function<String, String> header) {
        String remaining = header.apply("X-RateLimit-Remaining");
        if (remaining == null || !remaining.strip().equals("0")) {
            return Optional.empty();
        }
        return retryAt(header, json.missingNode());
    }

    /** Whether the answer names a daily cap, for logs: such a cooldown lasts until the day's reset. */
    public static boolean isDailyCap(Failure failure) {
        Matcher m = FREE_POOL.matcher(failure.message());
        return (m.find() && "day".equals(m.group(1))) || failure.message().toLowerCase(Locale.ROOT).contains("per day");
    }
}
