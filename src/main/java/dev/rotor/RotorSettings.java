package dev.rotor;

import dev.rotor.answers.AnswerSettings;
import dev.rotor.cache.CacheSettings;
import dev.rotor.gateway.GatewaySettings;
import dev.rotor.limits.LimitsConfig;
import dev.rotor.limits.StateSettings;
import dev.rotor.limits.redis.RedisEndpoint;
import dev.rotor.models.Budget;
import dev.rotor.models.Money;
import dev.rotor.output.OutputSettings;
import dev.rotor.rotation.Backoff;
import dev.rotor.rotation.RotationConfig;
import dev.rotor.rotation.Strategy;
import dev.rotor.tracing.TracingSettings;
import dev.rotor.transport.JmsSettings;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.apache.camel.util.TimeUtils;

/**
 * The {@code rotor.*} settings, read through Camel's property resolution, so an environment variable
 * ({@code ROTOR_TASK_DEADLINE} for {@code rotor.task.deadline}) or a -D system property overrides the file.
 */
public record RotorSettings(
        Path inbox,
        Duration inboxMinAge,
        boolean inboxKeep,
        Path modelsFile,
        boolean batch,
        Path summaryFile,
        int concurrency,
        RotationConfig rotation,
        LimitsConfig limits,
        SimulatorMode simulator,
        Optional<Path> simulatorScenario,
        String referer,
        String title,
        Set<String> intakes,
        OutputSettings output,
        Duration queueMaxHold,
        JmsSettings jms,
        StateSettings state,
        GatewaySettings gateway,
        Duration progressEvery,
        boolean check,
        boolean checkAtStart,
        Duration httpConnectTimeout,
        Duration httpReadTimeout,
        Budget budget,
        CacheSettings cache,
        AnswerSettings answers,
        Duration inboxSettle,
        TracingSettings tracing) {

    public static final Set<String> TRANSPORTS = Set.of("file", "jms", "kafka");
    /** The environment variable with the gateway's keys (a comma list). */
    public static final String GATEWAY_KEYS = "ROTOR_GATEWAY_KEYS";

    public boolean uses(String transport) {
        return intakes.contains(transport) || output.transport().equals(transport);
    }

    public enum SimulatorMode {
        AUTO,
        ALWAYS,
        NEVER
    }

    public static RotorSettings from(Function<String, Optional<String>> property) {
        return from(property, property);
    }

    /** @param secrets where secrets are read ({@link #GATEWAY_KEYS}): a lookup that records and prints nothing */
    public static RotorSettings from(
            Function<String, Optional<String>> property, Function<String, Optional<String>> secrets) {
        Reader r = new Reader(property);
        Backoff backoff = new Backoff(
                r.duration("rotor.retry.initial-delay", "1s"),
                r.decimal("rotor.retry.multiplier", 2.0),
                r.duration("rotor.retry.max-delay", "60s"),
                r.decimal("rotor.retry.jitter", 0.2));
        RotationConfig rotation = RotationConfig.builder()
                .strategy(Strategy.parse(r.text("rotor.rotation.strategy", "priority")))
                .rotateAfter(r.integer("rotor.rotation.rotate-after", RotationConfig.DEFAULT_ROTATE_AFTER))
                .breakerThreshold(r.integer("rotor.breaker.threshold", RotationConfig.DEFAULT_BREAKER_THRESHOLD))
                .breakerWait(r.duration("rotor.breaker.wait", "30s"))
                .paymentCooldown(r.duration("rotor.payment.cooldown", "1h"))
                .maxAttempts(r.integer("rotor.retry.max-attempts", RotationConfig.DEFAULT_MAX_ATTEMPTS))
                .taskDeadline(r.duration("rotor.task.deadline", "10m"))
                .reask(r.integer("rotor.answers.reask", RotationConfig.DEFAULT_REASK))
                .distrustAfter(r.integer("rotor.answers.distrust-after", RotationConfig.DEFAULT_DISTRUST_AFTER))
                .distrustFor(r.duration("rotor.answers.distrust-for", "10m"))
                .backoff(backoff)
                .build();
        LimitsConfig limits = new LimitsConfig(
                r.bool("rotor.rotation.use-declared-limits", LimitsConfig.DEFAULT_USE_DECLARED),
                r.bool("rotor.rotation.learn-limits", LimitsConfig.DEFAULT_LEARN),
                r.bool("rotor.rotation.pace-tokens", LimitsConfig.DEFAULT_PACE_TOKENS));
        int concurrency = r.integer("rotor.concurrency", 8);
        if (concurrency < 1) {
            throw new IllegalArgumentException("rotor.concurrency must be at least 1, got " + concurrency);
        }
        routeCounts(r);
        String mode = r.text("rotor.simulator.enabled", "auto").strip().toLowerCase(Locale.ROOT);
        SimulatorMode simulator = switch (mode) {
            case "auto" -> SimulatorMode.AUTO;
            case "true", "always" -> SimulatorMode.ALWAYS;
            case "false", "never" -> SimulatorMode.NEVER;
            default ->
                throw new IllegalArgumentException(
                        "rotor.simulator.enabled must be auto, true or false, got '" + mode + "'");
        };
        return new RotorSettings(
                r.path("rotor.inbox.dir", "work/inbox"),
                r.duration("rotor.inbox.min-age", "1s"),
                r.bool("rotor.inbox.keep", false),
                r.path("rotor.models.file", "models.yaml"),
                r.bool("rotor.batch", false),
                r.path("rotor.batch.summary-file", "work/run-summary.json"),
                concurrency,
                rotation,
                limits,
                simulator,
                property.apply("rotor.simulator.scenario")
                        .filter(s -> !s.isBlank())
                        .map(Path::of),
                r.text("rotor.openrouter.referer", ""),
                r.text("rotor.openrouter.title", "Rotor"),
                intakes(r.text("rotor.intake", "file")),
                output(r),
                r.duration("rotor.queue.max-hold", "5s"),
                new JmsSettings(
                        r.text("rotor.jms.broker-url", "tcp://localhost:61616"),
                        r.text("rotor.jms.username", ""),
                        r.text("rotor.jms.password", ""),
                        r.bool("rotor.jms.embedded", false),
                        r.path("rotor.jms.embedded-data-dir", "work/artemis"),
                        r.text("rotor.jms.tasks-queue", "rotor.tasks"),
                        r.text("rotor.jms.dead-letter-queue", "rotor.tasks.DLQ")),
                state(r),
                gateway(r, secrets),
                progressEvery(r),
                r.bool("rotor.check", false),
                r.bool("rotor.check.at-start", true),
                r.duration("rotor.http.connect-timeout", "10000"),
                r.duration("rotor.http.read-timeout", "120000"),
                budget(r),
                cache(r),
                new AnswerSettings(
                        CacheSettings.parseOn("rotor.answers.checks", r.text("rotor.answers.checks", "on")),
                        r.bool("rotor.answers.accept-truncated", false)),
                r.duration("rotor.inbox.settle", "30s"),
                TracingSettings.from(property));
    }

    /**
     * The counts only the routes read (through {{...}} placeholders, into Camel's own options): checked here, so that a
     * mistake gets the one-line message and exit 2 rather than Camel's stack trace at route start.
     */
    private static void routeCounts(Reader r) {
        for (var key : List.of(
                "rotor.http.max-connections",
                "rotor.jms.concurrent-consumers",
                "rotor.kafka.consumers",
                "rotor.kafka.max-poll-records")) {
            int n = r.integer(key, 1);
            if (n < 1) {
                throw new IllegalArgumentException(key + " must be at least 1, got " + n);
            }
        }
    }

    private static CacheSettings cache(Reader r) {
        boolean on = CacheSettings.parseOn("rotor.cache", r.text("rotor.cache", "off"));
        Duration ttl = r.duration("rotor.cache.ttl", "7d");
        boolean journal = CacheSettings.parseOn("rotor.journal", r.text("rotor.journal", "on"));
        Duration journalTtl = r.duration("rotor.journal.ttl", "1h");
        int maxEntries = r.integer("rotor.cache.max-entries", CacheSettings.DEFAULT_MAX_ENTRIES);
        if (ttl.isZero() || ttl.isNegative() || journalTtl.isZero() || journalTtl.isNegative() || maxEntries < 1) {
            throw new IllegalArgumentException("rotor.cache.ttl, rotor.journal.ttl and rotor.cache.max-entries must be "
                    + "positive, got " + ttl + ", " + journalTtl + " and " + maxEntries);
        }
        return new CacheSettings(on, ttl, journal, journalTtl, r.path("rotor.cache.dir", "work/cache"), maxEntries);
    }

    /** The global budget every call counts on, whatever its model: rotor.budget.usd-per-hour, -day, -month. */
    private static Budget budget(Reader r) {
        List<Budget.Cap> caps = new ArrayList<>();
        for (Budget.Window w : Budget.Window.values()) {
            String key = "rotor.budget.usd-per-" + w.label();
            String v = r.text(key, "");
            if (v.isEmpty()) {
                continue;
            }
            BigDecimal usd;
            try {
                usd = new BigDecimal(v);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(key + " must be an amount of USD such as 2.50, got '" + v + "'");
            }
            if (usd.signum() < 0) {
                throw new IllegalArgumentException(key + " must not be negative, got " + v);
            }
            caps.add(new Budget.Cap(Money.picoUsd(usd), w));
        }
        return new Budget(caps);
    }

    /** Where outcomes go, each place named with the setting that names it, for the log lines that say it fails. */
    private static OutputSettings output(Reader r) {
        String transport = transport("rotor.output", r.text("rotor.output", "file"));
        Path outbox = r.path("rotor.outbox.dir", "work/outbox");
        Path failed = r.path("rotor.failed.dir", "work/failed");
        Duration giveUp = r.duration("rotor.output.give-up", "5m");
        if (giveUp.isNegative() || giveUp.isZero()) {
            throw new IllegalArgumentException("rotor.output.give-up must be positive, got " + giveUp);
        }
        return switch (transport) {
            case "jms" ->
                new OutputSettings(
                        transport,
                        outbox,
                        failed,
                        giveUp,
                        place("queue", r, "rotor.jms.results-queue", "rotor.results"),
                        place("queue", r, "rotor.jms.dead-letter-queue", "rotor.tasks.DLQ"));
            case "kafka" ->
                new OutputSettings(
                        transport,
                        outbox,
                        failed,
                        giveUp,
                        place("topic", r, "rotor.kafka.results-topic", "rotor-results"),
                        place("topic", r, "rotor.kafka.dead-letter-topic", "rotor-dlq"));
            default ->
                new OutputSettings(
                        transport,
                        outbox,
                        failed,
                        giveUp,
                        new OutputSettings.Destination("folder " + outbox, "rotor.outbox.dir"),
                        new OutputSettings.Destination("folder " + failed, "rotor.failed.dir"));
        };
    }

    private static OutputSettings.Destination place(String kind, Reader r, String key, String fallback) {
        return new OutputSettings.Destination(kind + " " + r.text(key, fallback), key);
    }

    /** {@code auto} (zero): every 2 s on a terminal, every 30 s otherwise. */
    private static Duration progressEvery(Reader r) {
        String v = r.text("rotor.batch.progress-every", "auto");
        return v.equalsIgnoreCase("auto") ? Duration.ZERO : r.duration("rotor.batch.progress-every", "auto");
    }

    /** The gateway's keys are secrets: read from ROTOR_GATEWAY_KEYS apart, by {@code secrets}, never logged. */
    private static GatewaySettings gateway(Reader r, Function<String, Optional<String>> secrets) {
        List<String> keys = secrets.apply(GATEWAY_KEYS).map(v -> List.of(v.split(","))).orElse(List.of()).stream()
                .map(String::strip)
                .filter(k -> !k.isEmpty())
                .toList();
        return new GatewaySettings(
                r.text("rotor.gateway.host", "127.0.0.1"),
                r.integer("rotor.gateway.port", 8080),
                r.duration("rotor.gateway.deadline", "60s"),
                r.bytes("rotor.gateway.max-body", "4MiB"),
                r.integer("rotor.gateway.max-in-flight", 512),
                r.bool("rotor.gateway.allow-open", false),
                keys,
                r.duration("rotor.gateway.first-token-timeout", "15s"),
                r.duration("rotor.gateway.stall-timeout", "10s"),
                r.duration("rotor.gateway.idempotency-ttl", "24h"),
                GatewaySettings.parseResume(r.text("rotor.gateway.resume", "prefill")),
                r.bool("rotor.gateway.hedge", false),
                r.duration("rotor.gateway.request-timeout", "30s"),
                r.integer("rotor.gateway.max-connections", 4096),
                r.duration("rotor.gateway.idle-timeout", "60s"));
    }

    private static StateSettings state(Reader r) {
        StateSettings.Store store = StateSettings.parseStore(r.text("rotor.state", "memory"));
        String url = r.text("rotor.state.redis-url", "redis://localhost:6379");
        if (store == StateSettings.Store.REDIS) {
            // fail at start on a URL that cannot work, not at the first call
            RedisEndpoint.parse(url);
        }
        Duration timeout = r.duration("rotor.state.timeout", "50ms");
        if (timeout.isZero() || timeout.isNegative()) {
            throw new IllegalArgumentException("rotor.state.timeout must be positive, got " + timeout);
        }
        return new StateSettings(
                store, url, r.text("rotor.state.prefix", "rotor:"), r.text("rotor.state.password", ""), timeout);
    }

    /** The intakes a {@code rotor.intake} value names; a wrong one is refused. */
    static Set<String> intakes(String list) {
        Set<String> intakes = new LinkedHashSet<>();
        for (String part : list.split(",")) {
            // http is an intake only: its answer goes back on the request
            intakes.add(part.strip().equalsIgnoreCase("http") ? "http" : transport("rotor.intake", part));
        }
        return Set.copyOf(intakes);
    }

    private static String transport(String key, String value) {
        String t = value.strip().toLowerCase(Locale.ROOT);
        if (!TRANSPORTS.contains(t)) {
            throw new IllegalArgumentException(key + " takes file, jms or kafka"
                    + ("rotor.intake".equals(key) ? ", or http (a comma list)" : "") + ", got '" + value.strip() + "'");
        }
        return t;
    }

    private record Reader(Function<String, Optional<String>> property) {

        String text(String key, String fallback) {
            return property.apply(key)
                    .map(String::strip)
                    .filter(s -> !s.isEmpty())
                    .orElse(fallback);
        }

        Path path(String key, String fallback) {
            return Path.of(text(key, fallback));
        }

        boolean bool(String key, boolean fallback) {
            return parsed(
                    key,
                    Boolean.toString(fallback),
                    v -> {
                        if (!v.equalsIgnoreCase("true") && !v.equalsIgnoreCase("false")) {
                            throw new IllegalArgumentException(v);
                        }
                        return Boolean.parseBoolean(v);
                    },
                    "true or false");
        }

        int integer(String key, int fallback) {
            return parsed(key, Integer.toString(fallback), Integer::parseInt, "a whole number");
        }

        double decimal(String key, double fallback) {
            return parsed(key, Double.toString(fallback), Double::parseDouble, "a number");
        }

        /** Sizes: 4096 (bytes), 512KiB, 4MiB. */
        long bytes(String key, String fallback) {
            return parsed(
                    key,
                    fallback,
                    v -> {
                        String t = v.strip();
                        long unit = t.endsWith("MiB") ? 1024 * 1024 : t.endsWith("KiB") ? 1024 : 1;
                        return Long.parseLong(
                                        unit == 1
                                                ? t
                                                : t.substring(0, t.length() - 3).strip())
                                * unit;
                    },
                    "a size such as 65536, 512KiB or 4MiB");
        }

        /** Durations as Camel writes them: 500 (ms), 30s, 10m, 1h, 1h30m. */
        Duration duration(String key, String fallback) {
            return parsed(
                    key,
                    fallback,
                    v -> Duration.ofMillis(TimeUtils.toMilliSeconds(v)),
                    "a duration such as 500, 30s, 10m or 1h");
        }

        private <T> T parsed(String key, String fallback, Function<String, T> parse, String expected) {
            String v = text(key, fallback);
            try {
                return parse.apply(v);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(key + " must be " + expected + ", got '" + v + "'");
            }
        }
    }
}
