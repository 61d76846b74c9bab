package dev.rotor.chat.headers;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.support.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/** Every header family Rotor reads, from header samples as the providers document and send them. */
class LimitHeadersTest {

    private static final Instant NOW = Instant.parse("2026-11-28T10:00:00Z");
    private final LimitHeaders headers = new LimitHeaders(new MutableClock(NOW));

    private static Function<String, String> response(String... pairs) {
        Map<String, String> map = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        for (int i = 0; i < pairs.length; i += 2) {
            map.put(pairs[i], pairs[i + 1]);
        }
        return map::get;
    }

    private LimitReport read(String... pairs) {
        return headers.read(response(pairs));
    }

    private static LimitSignal only(LimitReport report, String family) {
        return report.signals().stream()
                .filter(s -> s.family().equals(family))
                .findFirst()
                .orElseThrow();
    }

    @Nested
    class OpenRouter {

        @Test
        void shouldReadLimitRemainingAndAResetInEpochMilliseconds() {
            long reset = NOW.plusSeconds(42).toEpochMilli();
            LimitReport r = read(
                    "X-RateLimit-Limit", "20", "X-RateLimit-Remaining", "0", "X-RateLimit-Reset", Long.toString(reset));
            LimitSignal s = only(r, "openrouter");
            assertThat(s.limit()).hasValue(20);
            assertThat(s.remaining()).hasValue(0);
            assertThat(s.resetAt()).contains(Instant.ofEpochMilli(reset));
            assertThat(s.window()).isEmpty();
            assertThat(r.exhaustedUntil()).contains(Instant.ofEpochMilli(reset));
            assertThat(r.retryAt()).contains(Instant.ofEpochMilli(reset));
            assertThat(r.retryAtPrecisionMs()).isEqualTo(1);
        }

        @Test
        void shouldTakeAResetInEpochSecondsForAMomentFromNowNotOneIn1970() {
            String seconds = Long.toString(NOW.plusSeconds(20).getEpochSecond());
            LimitReport r = read("X-RateLimit-Reset", seconds);
            assertThat(r.retryAt()).contains(NOW.plusSeconds(20));
            assertThat(r.retryAtPrecisionMs()).isEqualTo(1000);
        }

        @Test
        void shouldTakeASmallResetForSecondsFromNow() {
            assertThat(read("X-RateLimit-Reset", "30").retryAt()).contains(NOW.plusSeconds(30));
        }

        @Test
        void shouldIgnoreAndCountNonNumericNegativeAndImplausibleValues() {
            LimitReport r = read(
                    "X-RateLimit-Limit",
                    "lots",
                    "X-RateLimit-Remaining",
                    "-3",
                    "X-RateLimit-Reset",
                    Long.toString(NOW.plusSeconds(60).toEpochMilli()));
            LimitSignal s = only(r, "openrouter");
            assertThat(s.limit()).isEmpty();
            assertThat(s.remaining()).isEmpty();
            assertThat(r.ignored()).extracting(LimitReport.Ignored::reason).containsExactly("not_a_number", "negative");
        }

        @Test
        void shouldDropARemainingCountAboveItsLimit() {
            LimitReport r = read("X-RateLimit-Limit", "20", "X-RateLimit-Remaining", "35");
            assertThat(only(r, "openrouter").remaining()).isEmpty();
            assertThat(only(r, "openrouter").limit()).hasValue(20);
            assertThat(r.ignored()).extracting(LimitReport.Ignored::reason).containsExactly("remaining_above_limit");
        }

        @Test
        void shouldCapAResetFurtherAheadThanADayAndIgnoreOneGoneBy() {
            LimitReport far = read(
                    "X-RateLimit-Reset",
                    Long.toString(NOW.plus(Duration.ofDays(400)).toEpochMilli()));
            assertThat(far.retryAt()).contains(NOW.plus(Duration.ofDays(1)));
            assertThat(far.ignored()).extracting(LimitReport.Ignored::reason).containsExactly("reset_capped");
            LimitReport stale =
                    read("X-RateLimit-Reset", Long.toString(NOW.minusSeconds(5).toEpochMilli()), "Retry-After", "3");
            assertThat(stale.retryAt()).contains(NOW.plusSeconds(3));
            assertThat(stale.ignored()).extracting(LimitReport.Ignored::reason).containsExactly("reset_passed");
        }
    }

    @Nested
    class OpenAi {

        @Test
        void shouldReadRequestsAndTokensAndTheWindowTheRefillImplies() {
            // as api.openai.com answers a chat completion
            LimitReport r = read(
                    "x-ratelimit-limit-requests",
                    "60",
                    "x-ratelimit-remaining-requests",
                    "59",
                    "x-ratelimit-reset-requests",
                    "1s",
                    "x-ratelimit-limit-tokens",
                    "150000",
                    "x-ratelimit-remaining-tokens",
                    "149984",
                    "x-ratelimit-reset-tokens",
                    "6ms");
            LimitSignal requests = r.requests().orElseThrow();
            assertThat(requests.family()).isEqualTo("openai");
            assertThat(requests.limit()).hasValue(60);
            assertThat(requests.remaining()).hasValue(59);
            assertThat(requests.resetAt()).contains(NOW.plusSeconds(1));
            // one request refills in a second: sixty a minute
            assertThat(requests.window()).contains(Duration.ofSeconds(60));
            LimitSignal tokens = r.signals().stream()
                    .filter(s -> !s.isRequests())
                    .findFirst()
                    .orElseThrow();
            assertThat(tokens.limit()).hasValue(150000);
            assertThat(tokens.resetAt()).contains(NOW.plusMillis(6));
        }

        @Test
        void shouldReadGoDurations() {
            assertThat(HeaderValues.goDuration("6m0s")).contains(Duration.ofMinutes(6));
            assertThat(HeaderValues.goDuration("20ms")).contains(Duration.ofMillis(20));
            assertThat(HeaderValues.goDuration("1m30.5s")).contains(Duration.ofMillis(90_500));
            assertThat(HeaderValues.goDuration("2h")).contains(Duration.ofHours(2));
            assertThat(HeaderValues.goDuration("soon")).isEmpty();
            assertThat(HeaderValues.goDuration("5s later")).isEmpty();
        }

        @Test
        void shouldCoolUntilTheTokenResetWhenTheTokensAreUsedUp() {
            LimitReport r = read(
                    "x-ratelimit-limit-tokens",
                    "10000",
                    "x-ratelimit-remaining-tokens",
                    "0",
                    "x-ratelimit-reset-tokens",
                    "7.5s");
            assertThat(r.exhaustedUntil()).contains(NOW.plusMillis(7500));
        }

        @Test
        void shouldPreferRetryAfterMsToRetryAfterOnA429() {
            LimitReport r = read("retry-after-ms", "350", "Retry-After", "1");
            assertThat(r.retryAt()).contains(NOW.plusMillis(350));
            assertThat(r.retryAtPrecisionMs()).isEqualTo(1);
            assertThat(r.retryAtRelative()).isTrue();
        }
    }

    @Nested
    class Anthropic {

        @Test
        void shouldReadRfc3339ResetsAndTheWindowTheRefillImplies() {
            // as api.anthropic.com answers a message: 50 requests a minute, one used, whole again in 1.2 s
            LimitReport r = read(
                    "anthropic-ratelimit-requests-limit",
                    "50",
                    "anthropic-ratelimit-requests-remaining",
                    "49",
                    "anthropic-ratelimit-requests-reset",
                    "2026-11-28T10:00:01.2Z",
                    "anthropic-ratelimit-input-tokens-limit",
                    "40000",
                    "anthropic-ratelimit-input-tokens-remaining",
                    "0",
                    "anthropic-ratelimit-input-tokens-reset",
                    "2026-11-28T10:00:30Z");
            LimitSignal requests = only(r, "anthropic");
            assertThat(requests.limit()).hasValue(50);
            assertThat(requests.resetAt()).contains(NOW.plusMillis(1200));
            assertThat(requests.window()).contains(Duration.ofSeconds(60));
            assertThat(r.exhaustedUntil()).contains(NOW.plusSeconds(30));
        }

        @Test
        void shouldCapAResetMoreThanAMinuteAheadForLimitsThatAreAllPerMinute() {
            LimitReport r = read(
                    "anthropic-ratelimit-requests-remaining",
                    "0",
                    "anthropic-ratelimit-requests-reset",
                    "2026-11-28T11:00:00Z");
            assertThat(only(r, "anthropic").resetAt()).contains(NOW.plusSeconds(60));
            assertThat(r.ignored()).extracting(LimitReport.Ignored::reason).containsExactly("reset_capped");
        }
    }

    @Nested
    class Ietf {

        @Test
        void shouldMatchThePolicyToWhatRemains() {
            LimitReport r = read(
                    "RateLimit-Policy",
                    "\"burst\";q=100;w=60, \"daily\";q=1000;w=86400",
                    "RateLimit",
                    "\"burst\";r=50;t=30");
            LimitSignal s = only(r, "ietf");
            assertThat(s.limit()).hasValue(100);
            assertThat(s.remaining()).hasValue(50);
            assertThat(s.resetAt()).contains(NOW.plusSeconds(30));
            assertThat(s.window()).contains(Duration.ofSeconds(60));
        }

        @Test
        void shouldReadTheEarlierDraftsFields() {
            LimitReport r = read(
                    "RateLimit-Limit",
                    "10",
                    "RateLimit-Remaining",
                    "0",
                    "RateLimit-Reset",
                    "1",
                    "RateLimit-Policy",
                    "10;w=2");
            LimitSignal s = only(r, "ietf");
            assertThat(s.limit()).hasValue(10);
            assertThat(s.window()).contains(Duration.ofSeconds(2));
            assertThat(r.exhaustedUntil()).contains(NOW.plusSeconds(1));
        }

        @Test
        void shouldIgnoreARemainingAboveTheQuotaAndCapTheResetAtThePolicysWindow() {
            LimitReport r = read("RateLimit-Policy", "\"p\";q=5;w=10", "RateLimit", "\"p\";r=9;t=300");
            LimitSignal s = only(r, "ietf");
            assertThat(s.remaining()).isEmpty();
            assertThat(s.resetAt()).contains(NOW.plusSeconds(10));
            assertThat(r.ignored())
                    .extracting(LimitReport.Ignored::reason)
                    .containsExactlyInAnyOrder("remaining_above_limit", "reset_capped");
        }
    }

    @Nested
    class RetryAfter {

        @Test
        void shouldReadSecondsAndHttpDatesAndTellTheirPrecision() {
            LimitReport seconds = read("Retry-After", "12");
            assertThat(seconds.retryAt()).contains(NOW.plusSeconds(12));
            assertThat(seconds.retryAtPrecisionMs()).isEqualTo(1000);
            assertThat(seconds.retryAtRelative()).isTrue();
            LimitReport date = read("Retry-After", "Sat, 28 Nov 2026 10:01:30 GMT");
            assertThat(date.retryAt()).contains(Instant.parse("2026-11-28T10:01:30Z"));
            assertThat(date.retryAtRelative()).isFalse();
        }

        @Test
        void shouldTakeZeroForNowAndIgnoreNonsense() {
            assertThat(read("Retry-After", "0").retryAt()).contains(NOW);
            LimitReport nonsense = read("Retry-After", "soon", "retry-after-ms", "-5");
            assertThat(nonsense.retryAt()).isEmpty();
            assertThat(nonsense.ignored())
                    .extracting(LimitReport.Ignored::reason)
                    .containsExactlyInAnyOrder("not_a_number", "negative");
        }

        @Test
        void shouldCapARetryAfterOfMoreThanADay() {
            assertThat(read("Retry-After", "9999999").retryAt()).contains(NOW.plus(Duration.ofDays(1)));
        }
    }

    @Test
    void shouldSayNothingForAnAnswerWithoutLimitHeaders() {
        LimitReport r = read("Content-Type", "application/json");
        assertThat(r.isEmpty()).isTrue();
        assertThat(r.requests()).isEmpty();
    }

    @Test
    void shouldPreferAFamilyThatGivesASizeForTheRequestLimit() {
        LimitReport r = read(
                "RateLimit",
                "\"p\";r=3;t=5",
                "x-ratelimit-limit-requests",
                "500",
                "x-ratelimit-remaining-requests",
                "499",
                "x-ratelimit-reset-requests",
                "120ms");
        assertThat(r.requests().orElseThrow().family()).isEqualTo("openai");
        assertThat(r.requests().orElseThrow().limit()).isEqualTo(OptionalLong.of(500));
    }
}
