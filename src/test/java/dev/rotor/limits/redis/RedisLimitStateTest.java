package dev.rotor.limits.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.chat.LimitScope;
import dev.rotor.chat.TokenUsage;
import dev.rotor.chat.headers.LimitReport;
import dev.rotor.limits.Admission;
import dev.rotor.limits.BudgetView;
import dev.rotor.limits.CallOutcome;
import dev.rotor.limits.InMemoryLimitState;
import dev.rotor.limits.InputEstimates;
import dev.rotor.limits.LimitSource;
import dev.rotor.limits.LimitView;
import dev.rotor.limits.LimitsConfig;
import dev.rotor.limits.Permit;
import dev.rotor.limits.Reservation;
import dev.rotor.limits.TaskSize;
import dev.rotor.models.ModelRegistry;
import dev.rotor.models.ModelRegistryLoader;
import dev.rotor.models.ModelSpec;
import dev.rotor.models.Money;
import dev.rotor.support.FreePool;
import dev.rotor.support.FreePorts;
import dev.rotor.support.TestRedis;
import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Protocol;

/** Two Rotor processes' limit states on one real Redis: what one learns, the other obeys. */
class RedisLimitStateTest {

    private static final ModelRegistry MODELS =
            ModelRegistryLoader.parse(new ByteArrayInputStream("""
            providers:
              openrouter: { base-url: "http://127.0.0.1:1/api/v1" }
            models:
              - { id: "a:free", provider: openrouter }
              - { id: "b:free", provider: openrouter }
              - { id: "paid", provider: openrouter, requests: 3, per: 10s }
              - { id: "busy", provider: openrouter, requests: 20, per: 60s }
            """.getBytes(StandardCharsets.UTF_8)), "test");

    private static TestRedis redis;
    private static int run;

    private final ModelSpec a = MODELS.model("a:free").orElseThrow();
    private final ModelSpec b = MODELS.model("b:free").orElseThrow();
    private final ModelSpec paid = MODELS.model("paid").orElseThrow();
    private final ModelSpec busy = MODELS.model("busy").orElseThrow();
    private final List<RedisLimitState> opened = new ArrayList<>();
    private final String prefix = "test" + (++run) + ":";
    private final Instant now = Instant.now().truncatedTo(ChronoUnit.MILLIS);

    @BeforeAll
    static void startRedis() throws Exception {
        redis = TestRedis.start();
    }

    @AfterAll
    static void stopRedis() throws Exception {
        if (redis != null) {
            redis.close();
        }
    }

    @AfterEach
    void closeStates() {
        opened.forEach(RedisLimitState::close);
    }

    private RedisLimitState process(String url) {
        InMemoryLimitState own = new InMemoryLimitState(MODELS, LimitsConfig.defaults(), n -> Duration.ofSeconds(n));
        return process(own, url);
    }

    private RedisLimitState process(InMemoryLimitState own, String url) {
        RedisLimitState state = new RedisLimitState(
                own, MODELS, Clock.systemUTC(), RedisEndpoint.parse(url), "", Duration.ofMillis(50), prefix);
        opened.add(state);
        return state;
    }

    private static Optional<Permit> granted(Admission admission) {
        return admission instanceof Admission.Granted g ? Optional.of(g.permit()) : Optional.empty();
    }

    private static LimitReport retryAfter(Instant at) {
        return new LimitReport(List.of(), Optional.of(at), 1, false, List.of());
    }

    private static final ModelRegistry GROUPED = FreePool.MODELS;

    @Test
    void shouldCountADeclaredQuotaInTheProvidersFixedWindowWithTheCallsOfEveryProcess() {
        InMemoryLimitState own = new InMemoryLimitState(GROUPED, LimitsConfig.defaults(), n -> Duration.ofSeconds(n));
        RedisLimitState one = new RedisLimitState(
                own, GROUPED, Clock.systemUTC(), RedisEndpoint.parse(redis.url()), "", Duration.ofMillis(50), prefix);
        opened.add(one);
        ModelSpec fa = GROUPED.model("a:free").orElseThrow();
        ModelSpec fb = GROUPED.model("b:free").orElseThrow();
        // two windows' resets, a window apart: this process counts the pool's quota in the provider's windows
        long[][] calls = {{0, 1, 10_000}, {6, 0, 10_000}, {10_300, 1, 20_000}, {10_306, 0, 20_000}};
        for (long[] c : calls) {
            ModelSpec m = c[0] % 2 == 0 ? fa : fb;
            Permit p = granted(one.tryAcquire(m, now.plusMillis(c[0]))).orElseThrow();
            one.succeeded(p, now.plusMillis(c[0] + 5), FreePool.headers(c[1], now.plusMillis(c[2])));
        }
        // another process's call in the window that began at 20 000, which this one has not heard of
        for (String scope : List.of("pool:openrouter:free", "group:free")) {
            redis.client().zadd(prefix + "log:" + scope, now.plusMillis(20_001).toEpochMilli(), "another:1");
        }
        assertThat(granted(one.tryAcquire(fa, now.plusMillis(20_002)))).isPresent();
        // the window holds two calls now: it frees whole at its end, not when its first call would slide out
        assertThat(one.tryAcquire(fb, now.plusMillis(20_003)))
                .isEqualTo(new Admission.NotBefore(now.plusMillis(30_000)));
    }

    @Test
    void shouldShowOneProcessesCooldownToAnotherAndNeverShortenIt() {
        RedisLimitState one = process(redis.url());
        RedisLimitState two = process(redis.url());
        Permit call = granted(one.tryAcquire(paid, now)).orElseThrow();
        Instant until = now.plusSeconds(30);
        one.rateLimited(call, now, LimitScope.MODEL, Optional.of(until), retryAfter(until));

        await().atMost(Duration.ofSeconds(5)).until(() -> two.tryAcquire(paid, now) instanceof Admission.NotBefore);
        assertThat(((Admission.NotBefore) two.tryAcquire(paid, now)).at()).isEqualTo(until);
        assertThat(two.cooldownUntil(paid, now)).contains(until);

        Permit other = granted(two.tryAcquire(a, now)).orElseThrow();
        two.coolDown(paid, LimitScope.MODEL, now.plusSeconds(5));
        two.succeeded(other, now, LimitReport.EMPTY);
        await().atMost(Duration.ofSeconds(5))
                .untilAsserted(() -> assertThat(redis.client().get(prefix + "cool:model:paid"))
                        .isEqualTo(Long.toString(until.toEpochMilli())));
        assertThat(redis.client().pttl(prefix + "cool:model:paid")).isPositive();
    }

    @Test
    void shouldCountTheCallsOfEveryProcessInOneQuota() {
        RedisLimitState one = process(redis.url());
        RedisLimitState two = process(redis.url());
        assertThat(granted(one.tryAcquire(paid, now))).isPresent();
        assertThat(granted(one.tryAcquire(paid, now.plusMillis(1)))).isPresent();
        assertThat(granted(two.tryAcquire(paid, now.plusMillis(2)))).isPresent();

        Admission fourth = two.tryAcquire(paid, now.plusMillis(3));
        assertThat(fourth).isInstanceOf(Admission.NotBefore.class);
        // the window frees when the first of the three (counted when it reached the provider) leaves it
        assertThat(((Admission.NotBefore) fourth).at())
                .isEqualTo(now.plusMillis(CallOutcome.SEND_SKEW_MS).plusSeconds(10));
        assertThat(one.tryAcquire(paid, now.plusMillis(4))).isInstanceOf(Admission.NotBefore.class);
        assertThat(redis.client().pttl(prefix + "log:model:paid")).isPositive();
    }

    @Test
    void shouldAdmitNoMoreThanTheQuotaUnderConcurrentCallersOfTwoClients() throws Exception {
        RedisLimitState one = process(redis.url());
        RedisLimitState two = process(redis.url());
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Integer>> callers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                RedisLimitState state = i % 2 == 0 ? one : two;
                callers.add(() -> {
                    int got = 0;
                    for (int k = 0; k < 25; k++) {
                        synchronized (state) {
                            // as the rotation policy calls it: one admission at a time per process
                            got += granted(state.tryAcquire(busy, Instant.now()))
                                            .isPresent()
                                    ? 1
                                    : 0;
                        }
                    }
                    return got;
                });
            }
            int total = 0;
            for (Future<Integer> f : pool.invokeAll(callers)) {
                total += f.get();
            }
            assertThat(total).isEqualTo(20);
            assertThat(redis.client().zcard(prefix + "log:model:busy")).isEqualTo(20);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void shouldAdoptALimitAnotherProcessPublished() {
        RedisLimitState one = process(redis.url());
        redis.client()
                .hset(
                        prefix + "limit:pool:openrouter:free",
                        Map.of(
                                "requests",
                                "10",
                                "window_ms",
                                "2000",
                                "source",
                                "LEARNED",
                                "confirmed",
                                "1",
                                "by",
                                "another"));
        one.tryAcquire(a, now);
        assertThat(one.limitOf(b))
                .contains(new LimitView("pool:openrouter:free", 10, Duration.ofSeconds(2), LimitSource.LEARNED));
    }

    @Test
    void shouldGoOnLocalStateWhenRedisIsLostAndShareAgainWhenItIsBack() throws Exception {
        InMemoryLimitState ownOfTwo =
                new InMemoryLimitState(MODELS, LimitsConfig.defaults(), n -> Duration.ofSeconds(n));
        RedisLimitState one = process(redis.url());
        RedisLimitState two = process(ownOfTwo, redis.url());
        for (int i = 0; i < 3; i++) {
            Permit p = granted(one.tryAcquire(paid, now.plusMillis(i))).orElseThrow();
            one.succeeded(p, now.plusMillis(20 + i), LimitReport.EMPTY);
        }
        // the other process heard how those calls ended, so it paces by them even on its own
        await().atMost(Duration.ofSeconds(5))
                .until(() -> ownOfTwo.blockedUntil(paid, now.plusMillis(30)).isPresent());

        redis.kill();
        assertThat(granted(one.tryAcquire(a, now))).isPresent();
        assertThat(one.degraded()).isTrue();
        assertThat(two.tryAcquire(paid, now.plusMillis(40))).isInstanceOf(Admission.NotBefore.class);

        redis.restart();
        await().atMost(Duration.ofSeconds(5)).until(() -> !one.degraded() && !two.degraded());
        Permit p = granted(one.tryAcquire(busy, Instant.now())).orElseThrow();
        Instant until = Instant.now().plusSeconds(30).truncatedTo(ChronoUnit.MILLIS);
        one.rateLimited(p, Instant.now(), LimitScope.MODEL, Optional.of(until), retryAfter(until));
        await().atMost(Duration.ofSeconds(5))
                .until(() -> two.tryAcquire(busy, Instant.now()) instanceof Admission.NotBefore);
    }

    @Test
    void shouldStartOnLocalStateWhenRedisCannotBeReached() throws Exception {
        int nobody = FreePorts.next();
        RedisLimitState alone = process("redis://127.0.0.1:" + nobody);
        assertThat(alone.degraded()).isTrue();
        Permit p = granted(alone.tryAcquire(paid, now)).orElseThrow();
        alone.succeeded(p, now.plusMillis(10), LimitReport.EMPTY);
        assertThat(granted(alone.tryAcquire(paid, now.plusMillis(20)))).isPresent();
    }

    @Test
    void shouldTreatASlowRedisAsALostOne() {
        RedisLimitState one = process(redis.url());
        assertThat(granted(one.tryAcquire(paid, now))).isPresent();
        assertThat(one.degraded()).isFalse();
        redis.client().sendCommand(Protocol.Command.CLIENT, "PAUSE", "400", "ALL");
        long started = System.nanoTime();
        assertThat(granted(one.tryAcquire(busy, now))).isPresent();
        long tookMs = (System.nanoTime() - started) / 1_000_000;
        assertThat(one.degraded()).isTrue();
        // the call went on local state after the 50 ms timeout, not after the 400 ms pause
        assertThat(tookMs).isLessThan(300);
        await().atMost(Duration.ofSeconds(5)).until(() -> !one.degraded());
    }

    private static final ModelRegistry PRICED =
            ModelRegistryLoader.parse(new ByteArrayInputStream("""
            providers:
              p: { base-url: "http://127.0.0.1:1/v1", counts-tokens: usage }
            models:
              - { id: tpm, provider: p, tokens-per-minute: 10000 }
              - { id: dear, provider: p, requests: 100, per: 1m, price: { input-per-million: 1, output-per-million: 4 },
                  budget: { usd-per-day: 0.02 } }
            """.getBytes(StandardCharsets.UTF_8)), "test");

    private RedisLimitState priced() {
        InMemoryLimitState own = new InMemoryLimitState(PRICED, LimitsConfig.defaults(), n -> Duration.ofSeconds(n));
        RedisLimitState state = new RedisLimitState(
                own, PRICED, Clock.systemUTC(), RedisEndpoint.parse(redis.url()), "", Duration.ofMillis(200), prefix);
        opened.add(state);
        return state;
    }

    /** A call of {@code in} tokens in (as estimated for the model) and at most {@code out} out. */
    private static Reservation call(ModelSpec m, long in, int out) {
        return new InputEstimates()
                .plan(m, new TaskSize(in, OptionalInt.of(out)))
                .forTask("t" + in + out);
    }

    private static TokenUsage used(long in, long out) {
        return new TokenUsage(in, out, 0, 0, OptionalLong.empty(), true);
    }

    @Test
    void shouldTakeTokensFromOneBucketForEveryProcessAndGiveBackWhatAnAnswerDidNotUse() {
        RedisLimitState one = priced();
        RedisLimitState two = priced();
        ModelSpec tpm = PRICED.model("tpm").orElseThrow();
        // 10,000 tokens a minute; each call reserves 1,300 in (the estimate's prior) and 2,700 out: 4,000
        Reservation large = call(tpm, 1_000, 2_700);
        assertThat(large.cost().tokens()).isEqualTo(4_000);
        Permit first = granted(one.tryAcquire(tpm, large, now)).orElseThrow();
        assertThat(granted(two.tryAcquire(tpm, large, now.plusMillis(1)))).isPresent();
        // a third would need 4,000 and a margin of the 2,000 left: neither process lets it go, though each
        // sent only one and its own bucket holds 6,000
        Admission third = two.tryAcquire(tpm, large, now.plusMillis(2));
        assertThat(third).isInstanceOf(Admission.NotBefore.class);
        assertThat(((Admission.NotBefore) third).at()).isAfter(now.plusSeconds(12));
        assertThat(one.tryAcquire(tpm, large, now.plusMillis(2))).isInstanceOf(Admission.NotBefore.class);

        // the first used 1,300 in and 100 out: 2,600 go back to the bucket, for the other process too
        one.succeeded(first, now.plusMillis(5), LimitReport.EMPTY, used(1_300, 100));
        await().atMost(Duration.ofSeconds(5))
                .until(() -> two.tryAcquire(tpm, large, now.plusMillis(10)) instanceof Admission.Granted);
    }

    @Test
    void shouldNeverLetProcessesTogetherSpendPastABudgetAndShowWhatAllSpent() {
        RedisLimitState one = priced();
        RedisLimitState two = priced();
        ModelSpec dear = PRICED.model("dear").orElseThrow();
        // each call's worst case: 1,300 in at $1/M and 1,000 out at $4/M, $0.0053; $0.02 a day holds three
        Reservation worst = call(dear, 1_000, 1_000);
        assertThat(worst.worstCost()).hasValue(Money.picoUsd(new BigDecimal("0.0053")));
        List<Permit> going = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            RedisLimitState process = i % 2 == 0 ? one : two;
            granted(process.tryAcquire(dear, worst, now.plusMillis(i))).ifPresent(going::add);
        }
        assertThat(going).hasSize(3);
        // held by calls on their way: the next look comes soon, as their answers may give some back
        Admission held = one.tryAcquire(dear, worst, now.plusMillis(5));
        assertThat(held)
                .isEqualTo(new Admission.OverBudget("model:dear", now.plusMillis(5 + BudgetView.RECHECK_MS), false));

        // all three used all they might: $0.0159 spent, no room for a fourth before midnight UTC
        one.succeeded(going.get(0), now.plusMillis(10), LimitReport.EMPTY, used(1_300, 1_000));
        two.succeeded(going.get(1), now.plusMillis(10), LimitReport.EMPTY, used(1_300, 1_000));
        one.succeeded(going.get(2), now.plusMillis(10), LimitReport.EMPTY, used(1_300, 1_000));
        Instant midnight = now.truncatedTo(ChronoUnit.DAYS).plus(1, ChronoUnit.DAYS);
        await().atMost(Duration.ofSeconds(5))
                .until(() -> two.tryAcquire(dear, worst, now.plusMillis(20))
                        .equals(new Admission.OverBudget("model:dear", midnight, false)));
        assertThat(two.budgets(now.plusMillis(20))).singleElement().satisfies(b -> {
            assertThat(b.spentPicoUsd()).isEqualTo(3 * Money.picoUsd(new BigDecimal("0.0053")));
            assertThat(b.resetsAt()).isEqualTo(midnight);
        });
        // a smaller call still fits what is left
        assertThat(granted(two.tryAcquire(dear, call(dear, 100, 500), now.plusMillis(21))))
                .isPresent();
    }
}
