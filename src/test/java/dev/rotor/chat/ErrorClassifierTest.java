package dev.rotor.chat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.support.MutableClock;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ErrorClassifierTest {

    private static final Instant NOW = Instant.parse("2026-11-28T10:00:00Z");
    private final MutableClock clock = new MutableClock(NOW);
    private final ErrorClassifier classifier = new ErrorClassifier(new ObjectMapper(), clock);

    private static Function<String, String> headers(String... pairs) {
        Map<String, String> map = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return map::get;
    }

    private Failure failure(int status, Function<String, String> headers, String body) {
        ErrorClassifier.Verdict v = classifier.classify(status, headers, body);
        assertThat(v).isInstanceOf(ErrorClassifier.Failed.class);
        return ((ErrorClassifier.Failed) v).failure();
    }

    private static String error(int code, String message) {
        return "{\"error\":{\"message\":\"" + message + "\",\"code\":" + code + "}}";
    }

    @Test
    void shouldReturnContentUsageAndAnsweringModelWhenA200HoldsACompletion() {
        ErrorClassifier.Verdict v = classifier.classify(200, headers(), """
                {"model":"deepseek/deepseek-chat-v3.1:free","choices":[{"message":{"role":"assistant","content":"def f(): pass"}}],
                 "usage":{"prompt_tokens":41,"completion_tokens":230,"total_tokens":271}}""");
        assertThat(v).isInstanceOf(ErrorClassifier.Completed.class);
        ChatResult r = ((ErrorClassifier.Completed) v).result();
        assertThat(r.content()).isEqualTo("def f(): pass");
        assertThat(r.answeringModel()).isEqualTo("deepseek/deepseek-chat-v3.1:free");
        assertThat(r.promptTokens()).isEqualTo(41);
        assertThat(r.completionTokens()).isEqualTo(230);
    }

    @Test
    void shouldTreatA200WhoseBodyIsNotJsonAsTransient() {
        Failure f = failure(200, headers(), "<html>502 Bad Gateway</html>");
        assertThat(f.kind()).isEqualTo(FailureKind.TRANSIENT);
        assertThat(f.message()).contains("not a JSON object");
    }

    @Test
    void shouldTreatA200WithAnErrorObjectAsAFailureOfTheEmbeddedKind() {
        assertThat(failure(200, headers(), error(502, "Upstream error")).kind()).isEqualTo(FailureKind.TRANSIENT);
        Failure limited = failure(200, headers(), error(429, "Rate limit exceeded: free-models-per-min."));
        assertThat(limited.kind()).isEqualTo(FailureKind.RATE_LIMITED);
        assertThat(limited.scope()).isEqualTo(LimitScope.PROVIDER_FREE_POOL);
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {"{\"choices\":[]}", "{\"id\":\"gen-1\"}"})
    void shouldTreatA200WithoutAMessageAsTransient(String body) {
        Failure f = failure(200, headers(), body);
        assertThat(f.kind()).isEqualTo(FailureKind.TRANSIENT);
        assertThat(f.message()).startsWith("no choices[0].message");
    }

    @ParameterizedTest
    @CsvSource({"408", "500", "502", "503", "504", "520", "529"})
    void shouldTreatTimeoutsAndServerErrorsAsTransient(int status) {
        assertThat(failure(status, headers(), error(status, "boom")).kind()).isEqualTo(FailureKind.TRANSIENT);
    }

    @Test
    void shouldKeepRetryAfterOfA503SoBackoffWaitsAtLeastThatLong() {
        Failure f = failure(503, headers("Retry-After", "7"), "");
        assertThat(f.retryAt()).contains(NOW.plusSeconds(7));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "400|Invalid model parameter|BAD_REQUEST",
                "400|This endpoint's maximum context length is 8192 tokens|CONTEXT_TOO_LONG",
                "400|context_length_exceeded|CONTEXT_TOO_LONG",
                "413|Payload too large|CONTEXT_TOO_LONG",
                "422|Unprocessable|BAD_REQUEST",
                "401|No auth credentials found|AUTH",
                "403|Key is disabled|AUTH",
                "402|Insufficient credits|PAYMENT",
                "404|No endpoints found for x/y.|MODEL_GONE"
            })
    void shouldClassifyClientErrors(int status, String message, FailureKind expected) {
        Failure f = failure(status, headers(), error(status, message));
        assertThat(f.kind()).isEqualTo(expected);
        assertThat(f.httpStatus()).isEqualTo(status);
        assertThat(f.message()).contains(message);
    }

    @Test
    void shouldTreatA403ForModerationAsARefusalNotAnAuthFailure() {
        String body =
                "{\"error\":{\"message\":\"Input flagged\",\"code\":403,\"metadata\":{\"reasons\":[\"violence\"]}}}";
        assertThat(failure(403, headers(), body).kind()).isEqualTo(FailureKind.REFUSED);
    }

    @Test
    void shouldTakeTheResetFromXRateLimitResetInEpochMilliseconds() {
        long reset = NOW.plusSeconds(42).toEpochMilli();
        Failure f = failure(
                429, headers("X-RateLimit-Reset", Long.toString(reset), "Retry-After", "5"), error(429, "Rate limit"));
        assertThat(f.kind()).isEqualTo(FailureKind.RATE_LIMITED);
        assertThat(f.retryAt()).contains(Instant.ofEpochMilli(reset));
    }

    @Test
    void shouldTakeTheResetFromTheHeadersInsideOpenRoutersErrorBody() {
        long reset = NOW.plus(Duration.ofHours(9)).toEpochMilli();
        String body =
                "{\"error\":{\"message\":\"Rate limit exceeded: free-models-per-day. Add 10 credits\",\"code\":429,"
                        + "\"metadata\":{\"headers\":{\"X-RateLimit-Limit\":\"50\",\"X-RateLimit-Remaining\":\"0\","
                        + "\"X-RateLimit-Reset\":\"" + reset + "\"}}}}";
        Failure f = failure(429, headers(), body);
        assertThat(f.retryAt()).contains(Instant.ofEpochMilli(reset));
        assertThat(f.scope()).isEqualTo(LimitScope.PROVIDER_FREE_POOL);
        assertThat(ErrorClassifier.isDailyCap(f)).isTrue();
    }

    @Test
    void shouldFallBackToRetryAfterInSecondsWhenNoResetIsGiven() {
        assertThat(failure(429, headers("Retry-After", "12"), error(429, "x")).retryAt())
                .contains(NOW.plusSeconds(12));
    }

    @Test
    void shouldReadRetryAfterGivenAsAnHttpDate() {
        Failure f = failure(429, headers("Retry-After", "Sat, 28 Nov 2026 10:01:30 GMT"), error(429, "x"));
        assertThat(f.retryAt()).contains(Instant.parse("2026-11-28T10:01:30Z"));
    }

    @Test
    void shouldIgnoreAResetAlreadyInThePastAndUseRetryAfter() {
        String stale = Long.toString(NOW.minusSeconds(30).toEpochMilli());
        Failure f = failure(429, headers("X-RateLimit-Reset", stale, "Retry-After", "3"), error(429, "x"));
        assertThat(f.retryAt()).contains(NOW.plusSeconds(3));
    }

    @Test
    void shouldReadAResetGivenInEpochSeconds() {
        String seconds = Long.toString(NOW.plusSeconds(20).getEpochSecond());
        assertThat(failure(429, headers("X-RateLimit-Reset", seconds), error(429, "x"))
                        .retryAt())
                .contains(NOW.plusSeconds(20));
    }

    @Test
    void shouldLeaveTheResetEmptyWhenTheResponseSaysNothingSoBackoffDecides() {
        Failure f = failure(429, headers("Retry-After", "soon"), error(429, "x"));
        assertThat(f.retryAt()).isEmpty();
        assertThat(f.scope()).isEqualTo(LimitScope.UNSPECIFIED);
    }

    @Test
    void shouldScopeAnUpstreamProviders429ToTheModelAlone() {
        String body = "{\"error\":{\"message\":\"Provider returned error\",\"code\":429,"
                + "\"metadata\":{\"provider_name\":\"Chutes\",\"raw\":\"x is temporarily rate-limited upstream\"}}}";
        Failure f = failure(429, headers(), body);
        assertThat(f.scope()).isEqualTo(LimitScope.MODEL);
        assertThat(f.message()).contains("rate-limited upstream");
    }

    @Test
    void shouldTreatTimeoutsAsTransientAndSaySo() {
        Failure f = classifier.classify(new RuntimeException(new SocketTimeoutException("Read timed out")));
        assertThat(f.kind()).isEqualTo(FailureKind.TRANSIENT);
        assertThat(f.httpStatus()).isZero();
        assertThat(f.message()).startsWith("timed out").contains("Read timed out");
    }

    @Test
    void shouldTreatRefusedAndResetConnectionsAsTransient() {
        assertThat(classifier
                        .classify(new ConnectException("Connection refused"))
                        .kind())
                .isEqualTo(FailureKind.TRANSIENT);
        assertThat(classifier.classify(new IOException("Connection reset")).message())
                .contains("Connection reset");
    }

    @Test
    void shouldReportTheLimitHeadersOfASuccess() {
        long reset = NOW.plusSeconds(50).toEpochMilli();
        ErrorClassifier.Verdict v = classifier.classify(
                200,
                headers(
                        "X-RateLimit-Limit",
                        "20",
                        "X-RateLimit-Remaining",
                        "0",
                        "X-RateLimit-Reset",
                        Long.toString(reset)),
                """
                {"model":"m","choices":[{"message":{"role":"assistant","content":"ok"}}]}""");
        assertThat(((ErrorClassifier.Completed) v).limits().exhaustedUntil()).contains(Instant.ofEpochMilli(reset));
    }
}
