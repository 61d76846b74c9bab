package dev.rotor.chat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.chat.headers.LimitHeaders;
import dev.rotor.chat.headers.LimitReport;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.http.HttpTimeoutException;
import java.time.Clock;
import java.time.Instant;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Turns one response (status, headers, body) or one exception into a {@link ChatResult} or a {@link Failure}. A 200 is
 * a completion when its body is a JSON object with a {@code choices[0].message}; what the message says is then judged
 * by {@code AnswerChecker}.
 */
public final class ErrorClassifier {

    /** OpenRouter names its account-wide pools in the 429 message. */
    private static final Pattern FREE_POOL = Pattern.compile("free-models-per-(min|day)");

    private static final Pattern CONTEXT = Pattern.compile(
            "context[ _-]?length|context window|maximum context|too many tokens|reduce the length|prompt is too long",
            Pattern.CASE_INSENSITIVE);
    private final ObjectMapper json;
    private final Clock clock;
    private final LimitHeaders limitHeaders;

    public ErrorClassifier(ObjectMapper json, Clock clock) {
        this.json = json;
        this.clock = clock;
        this.limitHeaders = new LimitHeaders(clock);
    }

    /** Either a completion or the reason there is none. */
    public sealed interface Verdict permits Completed, Failed {}

    /** A completion, and what its headers said about the limits it counted against. */
    public record Completed(ChatResult result, LimitReport limits) implements Verdict {}

    public record Failed(Failure failure) implements Verdict {}

    public Verdict classify(int status, Function<String, String> header, String body) {
        // a span in the headers ("Retry-After: 2") counts from when the answer is read: later than the provider
        // reckoned it, so a cooldown never ends early
        Instant now = clock.instant();
        Optional<JsonNode> parsed = parse(body);
        if (status >= 200 && status < 300) {
            if (parsed.isEmpty() || !parsed.get().isObject()) {
                return failed(FailureKind.TRANSIENT, status, "response body is not a JSON object: " + excerpt(body));
            }
            JsonNode error = parsed.get().get("error");
            if (error != null && !error.isNull()) {
                int embedded = error.path("code").asInt(0);
                return new Failed(classifyError(embedded >= 400 ? embedded : 502, header, error, true, now));
            }
            return completion(parsed.get(), status, limitHeaders.read(header, now));
        }
        // Gemini's OpenAI-compatible endpoint answers an error as a one-element array
        JsonNode error = parsed.map(b -> b.isArray() ? b.path(0) : b)
                .map(b -> b.path("error"))
                .orElse(json.missingNode());
        return new Failed(classifyError(status, header, error, false, now));
    }

    /** What a response's headers say of the limits: for a stream, whose body is read later. */
    public LimitReport limitsOf(Function<String, String> header) {
        return limitHeaders.read(header, clock.instant());
    }

    /**
     * An error event in a stream that began with 200 (OpenRouter sends {@code {"error": {"code", "message"}}} in a
     * chunk): classified as the status its code names, else as an upstream 502.
     */
    public Failure streamError(JsonNode error, Function<String, String> header) {
        int code = error.path("code").asInt(0);
        return classifyError(code >= 400 ? code : 502, header, error, true, clock.instant());
    }

    /** An exception instead of a response: connect/read timeouts, resets, closed connections. */
    public Failure classify(Throwable error) {
        Throwable cause = rootIoCause(error);
        String what = cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
        if (cause instanceof InterruptedIOException || cause instanceof HttpTimeoutException) {
            return Failure.silent(0, "timed out: " + what);
        }
        return Failure.of(FailureKind.TRANSIENT, 0, what);
    }

    private Verdict completion(JsonNode body, int status, LimitReport limits) {
        JsonNode message = body.path("choices").path(0).path("message");
        if (!message.isObject()) {
            return failed(
                    FailureKind.TRANSIENT,
                    status,
                    "no choices[0].message in the response: " + excerpt(body.toString()));
        }
        JsonNode content = message.path("content");
        // whether the content is an answer (not empty, not only reasoning, not refused) is the answer checker's call
        JsonNode usage = body.path("usage").isObject() ? body.get("usage") : json.createObjectNode();
        return new Completed(
                new ChatResult(content.asText(""), usage, body.path("model").asText(""), body), limits);
    }

    private Failure classifyError(
            int status, Function<String, String> header, JsonNode error, boolean inOkBody, Instant now) {
        String message = error.path("message").asText("").strip();
        String raw = error.path("metadata").path("raw").asText("").strip();
        String detail = (message.isEmpty() ? "HTTP " + status : message) + (raw.isEmpty() ? "" : ": " + excerpt(raw));
        if (inOkBody) {
            detail = "error in a 200 response: " + detail;
        }
        JsonNode bodyHeaders = error.path("metadata").path("headers");
        LimitReport limits = limitHeaders.read(
                name -> Optional.ofNullable(header.apply(name)).orElseGet(() -> textOf(bodyHeaders, name)), now);
        if (status == 429 || status == 413) {
            RefusalBody body = RefusalBody.read(error, now);
            limits = limits.withBody(body.signals(), body.unit(), body.retryAt(), body.precisionMs());
            if (body.tooLarge()) {
                // no wait makes it fit: not a cooldown, but a model this task cannot use
                return new Failure(
                        FailureKind.TOO_LARGE, status, detail, scopeOf(message, error), Optional.empty(), limits);
            }
        }
        return switch (status) {
            case 429 ->
                new Failure(
                        FailureKind.RATE_LIMITED, status, detail, scopeOf(message, error), limits.retryAt(), limits);
            case 400, 413 ->
                Failure.of(
                        status == 413 || CONTEXT.matcher(message).find()
                                ? FailureKind.CONTEXT_TOO_LONG
                                : FailureKind.BAD_REQUEST,
                        status,
                        detail);
            case 401 -> Failure.of(FailureKind.AUTH, status, detail);
            // a moderation refusal is this provider's call: another model may take the task
            case 403 -> Failure.of(isModeration(error) ? FailureKind.REFUSED : FailureKind.AUTH, status, detail);
            case 402 -> Failure.of(FailureKind.PAYMENT, status, detail);
            case 404 -> Failure.of(FailureKind.MODEL_GONE, status, detail);
            case 405, 409, 415, 422 -> Failure.of(FailureKind.BAD_REQUEST, status, detail);
            default ->
                new Failure(FailureKind.TRANSIENT, status, detail, LimitScope.UNSPECIFIED, limits.retryAt(), limits);
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
        return error.path("metadata").has("reasons")
                || error.path("message").asText("").toLowerCase(Locale.ROOT).contains("moderation");
    }

    private static String textOf(JsonNode headers, String name) {
        if (!headers.isObject()) {
            return null;
        }
        var fields = headers.fields();
        while (fields.hasNext()) {
            var field = fields.next();
            if (field.getKey().equalsIgnoreCase(name)) {
                return field.getValue().asText(null);
            }
        }
        return null;
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

    /** Whether the answer names a daily cap, for logs: such a cooldown lasts until the day's reset. */
    public static boolean isDailyCap(Failure failure) {
        Matcher m = FREE_POOL.matcher(failure.message());
        return (m.find() && "day".equals(m.group(1)))
                || failure.message().toLowerCase(Locale.ROOT).contains("per day");
    }
}
