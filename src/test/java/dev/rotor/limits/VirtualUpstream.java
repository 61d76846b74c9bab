package dev.rotor.limits;

import dev.rotor.chat.Failure;
import dev.rotor.chat.FailureKind;
import dev.rotor.chat.LimitScope;
import dev.rotor.chat.headers.LimitHeaders;
import dev.rotor.chat.headers.LimitReport;
import dev.rotor.models.ModelRegistry;
import dev.rotor.models.ModelRegistryLoader;
import dev.rotor.models.ModelSpec;
import dev.rotor.rotation.Attempt;
import dev.rotor.rotation.Decision;
import dev.rotor.rotation.RotationConfig;
import dev.rotor.rotation.RotationPolicy;
import dev.rotor.rotation.Selection;
import dev.rotor.rotation.TaskProgress;
import dev.rotor.simulator.Limiter;
import dev.rotor.support.MutableClock;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.TreeMap;

/**
 * The goodput benchmark's upstream in virtual time: three :free models sharing one pool and a paid model with its own
 * limit, each limit in one shape, answering after a latency; calls take a while to get there and their answers to be
 * read, in no fixed order, as on a busy machine; 429s say only when to come back (to the millisecond, as OpenAI's
 * retry-after-ms, counted from when the answer is read), successes say nothing. Clients keep a number of tasks in
 * flight through Rotor's real policy and limit state. Deterministic and fast: a run of minutes takes milliseconds.
 */
final class VirtualUpstream {

    static final long WINDOW_MS = 2_000;
    static boolean TRACE = Boolean.getBoolean("trace");
    static final int POOL_LIMIT = 30;
    static final int PAID_LIMIT = 10;
    private static final long LATENCY_MS = 20;
    /** How long a call takes to reach the provider, and its answer to be read: Rotor shares two cores with it. */
    private static final long MAX_OUTBOUND_MS = 15;

    private static final long MAX_INBOUND_MS = 40;
    private static final Instant START = Instant.parse("2026-11-28T10:00:00.137Z");

    /** What a run came to. */
    record Outcome(int completed, long rateLimited, long calls, long elapsedMs, long[] latenciesMs) {
        double capacityRatio() {
            long windows = (elapsedMs + WINDOW_MS - 1) / WINDOW_MS;
            return (double) completed / (windows * (POOL_LIMIT + PAID_LIMIT));
        }

        double rateLimitedPerTask() {
            return (double) rateLimited / completed;
        }

        long p99() {
            long[] sorted = latenciesMs.clone();
            Arrays.sort(sorted);
            return sorted[Math.max(0, (int) Math.ceil(0.99 * sorted.length) - 1)];
        }

        @Override
        public String toString() {
            return String.format(
                    Locale.ROOT,
                    "completed %d in %.1f s, capacity %.3f, 429s/task %.3f, p99 %d ms",
                    completed,
                    elapsedMs / 1000.0,
                    capacityRatio(),
                    rateLimitedPerTask(),
                    p99());
        }
    }

    private record Event(long atMs, long seq, Runnable action) {}

    /** What a limit's 429 says of when to come back. */
    enum Telling {
        /** When the next call fits, to the millisecond (retry-after-ms) and in whole seconds (Retry-After). */
        NEXT_FREE_MS,
        /** When the limit is whole again (a bucket full, OpenAI's reset), to the millisecond. */
        FULL_MS,
        /** When the next call fits, in whole seconds only (Retry-After: 2, as Anthropic and upstreams answer). */
        SECONDS_ONLY,
        /** Nothing: the client must guess. */
        NOTHING
    }

    private final MutableClock clock = new MutableClock(START);
    private final PriorityQueue<Event> events =
            new PriorityQueue<>((a, b) -> a.atMs != b.atMs ? Long.compare(a.atMs, b.atMs) : Long.compare(a.seq, b.seq));
    private final Random random;
    private final Limiter pool;
    private final Limiter paid;
    private final ModelRegistry registry;
    private final RotationPolicy policy;
    private long seq;
    private int nextTask;
    private int completed;
    private long rateLimited;
    private long calls;
    private long[] latencies;

    VirtualUpstream(Limiter.Shape shape, boolean declared, LimitsConfig limits) {
        this(shape, declared, limits, 7);
    }

    private final Telling poolTells;
    private final Telling paidTells;

    VirtualUpstream(Limiter.Shape shape, boolean declared, LimitsConfig limits, long seed) {
        this(shape, declared, limits, seed, Telling.NEXT_FREE_MS, Telling.NEXT_FREE_MS);
    }

    VirtualUpstream(
            Limiter.Shape shape,
            boolean declared,
            LimitsConfig limits,
            long seed,
            Telling poolTells,
            Telling paidTells) {
        this.poolTells = poolTells;
        this.paidTells = paidTells;
        this.random = new Random(seed);
        long origin = START.toEpochMilli() - 731 - random.nextInt(2000);
        this.pool = Limiter.of(shape, POOL_LIMIT, WINDOW_MS, origin);
        this.paid = Limiter.of(shape, PAID_LIMIT, WINDOW_MS, origin);
        String yaml = """
                providers:
                  openrouter: { base-url: "http://127.0.0.1:1/api/v1", api-key-env: KEY }
                limit-groups:
                  free: %s
                models:
                  - { id: "a:free", provider: openrouter, limit-group: free }
                  - { id: "b:free", provider: openrouter, limit-group: free }
                  - { id: "c:free", provider: openrouter, limit-group: free }
                  - { id: "paid", provider: openrouter%s }
                """.formatted(
                        declared ? "{ requests: 30, per: 2s }" : "{ }", declared ? ", requests: 10, per: 2s" : "");
        this.registry =
                ModelRegistryLoader.parse(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "virtual");
        RotationConfig config = RotationConfig.defaults();
        LimitState state =
                new InMemoryLimitState(registry, limits, n -> config.backoff().delay(n, random.nextDouble()));
        this.policy = new RotationPolicy(registry, config, state, clock, random::nextDouble);
    }

    RotationPolicy policy() {
        return policy;
    }

    Outcome run(int tasks, int clients) {
        latencies = new long[tasks];
        for (int c = 0; c < clients; c++) {
            startNext(START.toEpochMilli());
        }
        long last = START.toEpochMilli();
        while (!events.isEmpty()) {
            Event e = events.poll();
            clock.set(Instant.ofEpochMilli(e.atMs()));
            last = e.atMs();
            e.action().run();
        }
        return new Outcome(completed, rateLimited, calls, last - START.toEpochMilli(), latencies);
    }

    private void at(long ms, Runnable action) {
        events.add(new Event(ms, seq++, action));
    }

    private void startNext(long nowMs) {
        if (nextTask >= latencies.length) {
            return;
        }
        int task = nextTask++;
        TaskProgress progress = new TaskProgress(
                "t" + task, registry.models(), Instant.ofEpochMilli(nowMs).plus(Duration.ofHours(1)));
        at(nowMs, () -> attempt(task, progress, nowMs));
    }

    private void attempt(int task, TaskProgress progress, long startedMs) {
        long now = clock.millis();
        Selection s = policy.select(progress);
        if (s instanceof Selection.Wait wait) {
            retry(task, progress, startedMs, policy.waitFor(progress, wait));
            return;
        }
        if (!(s instanceof Selection.Use use)) {
            throw new IllegalStateException("task " + task + " given up: " + s);
        }
        calls++;
        at(now + 1 + random.nextInt((int) MAX_OUTBOUND_MS), () -> {
            ModelSpec m = use.model();
            Limiter limiter = m.isFreeVariant() ? pool : paid;
            long arrival = clock.millis();
            boolean ok = limiter.tryTake(arrival);
            Telling tells = m.isFreeVariant() ? poolTells : paidTells;
            long retryAfterMs =
                    (tells == Telling.FULL_MS ? limiter.resetMs(arrival) : limiter.nextFreeMs(arrival)) - arrival;
            long inbound = 1
                    + random.nextInt((int) MAX_INBOUND_MS)
                    + (random.nextInt(100) < 3 ? 100 + random.nextInt(200) : 0);
            at(arrival + (ok ? LATENCY_MS : 1) + inbound, () -> {
                // the answer as the provider sends it, read as Rotor reads it
                Map<String, String> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
                if (tells == Telling.NEXT_FREE_MS || tells == Telling.FULL_MS) {
                    headers.put("retry-after-ms", Long.toString(retryAfterMs));
                }
                if (tells != Telling.NOTHING) {
                    headers.put("Retry-After", Long.toString(Math.max(1, (retryAfterMs + 999) / 1000)));
                }
                LimitReport report = new LimitHeaders(clock).read(headers::get);
                if (ok) {
                    policy.onSuccess(use.permit(), Duration.ofMillis(clock.millis() - now), LimitReport.EMPTY);
                    latencies[task] = clock.millis() - startedMs;
                    completed++;
                    startNext(clock.millis());
                } else {
                    rateLimited++;
                    if (TRACE) {
                        System.out.println("TRACE 429 " + (clock.millis() - START.toEpochMilli()) + " " + m.id()
                                + " sent " + (now - START.toEpochMilli()) + " retry " + retryAfterMs
                                + " limit "
                                + policy.limits()
                                        .limitOf(m)
                                        .map(Object::toString)
                                        .orElse("-"));
                    }
                    LimitScope scope = m.isFreeVariant() ? LimitScope.PROVIDER_FREE_POOL : LimitScope.MODEL;
                    Failure f =
                            new Failure(FailureKind.RATE_LIMITED, 429, "rate limited", scope, report.retryAt(), report);
                    progress.record(new Attempt(m.id(), "rate_limited", 429, LATENCY_MS, clock.instant(), null));
                    retry(task, progress, startedMs, policy.onFailure(progress, use.permit(), f));
                }
            });
        });
    }

    private void retry(int task, TaskProgress progress, long startedMs, Decision d) {
        if (!(d instanceof Decision.Retry r)) {
            latencies[task] = clock.millis() - startedMs;
            startNext(clock.millis());
            return;
        }
        at(clock.millis() + r.delay().toMillis(), () -> attempt(task, progress, startedMs));
    }
}
