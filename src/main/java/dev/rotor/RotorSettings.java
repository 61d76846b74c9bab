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
import dev.rotor.settings.CoreKeys;
import dev.rotor.settings.GatewayKeys;
import dev.rotor.settings.ProviderKeys;
import dev.rotor.settings.Setting;
import dev.rotor.settings.SettingsCatalog;
import dev.rotor.settings.SettingsReader;
import dev.rotor.settings.StateKeys;
import dev.rotor.settings.TransportKeys;
import dev.rotor.tracing.TracingSettings;
import dev.rotor.transport.JmsSettings;
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

    /**
     * Reads every setting by the settings model ({@link SettingsCatalog}): its default when unset, and a mistake
     * refused with one line ({@link IllegalArgumentException}).
     *
     * @param secrets where secrets are read ({@link #GATEWAY_KEYS}): a lookup that records and prints nothing
     */
    public static RotorSettings from(
            Function<String, Optional<String>> property, Function<String, Optional<String>> secrets) {
        SettingsReader r = new SettingsReader(property);
        for (Setting count : List.of(
                ProviderKeys.HTTP_MAX_CONNECTIONS,
                TransportKeys.JMS_CONSUMERS,
                TransportKeys.KAFKA_CONSUMERS,
                TransportKeys.KAFKA_MAX_POLL_RECORDS)) {
            // read only by the routes, into Camel's own options: checked here, for the one-line message
            r.integer(count);
        }
        return new RotorSettings(
                r.path(TransportKeys.INBOX_DIR),
                r.duration(TransportKeys.INBOX_MIN_AGE),
                r.flag(TransportKeys.INBOX_KEEP),
                r.path(CoreKeys.MODELS_FILE),
                r.flag(TransportKeys.BATCH),
                r.path(TransportKeys.BATCH_SUMMARY_FILE),
                r.integer(CoreKeys.CONCURRENCY),
                rotation(r),
                new LimitsConfig(
                        r.flag(CoreKeys.USE_DECLARED_LIMITS),
                        r.flag(CoreKeys.LEARN_LIMITS),
                        r.flag(CoreKeys.PACE_TOKENS)),
                simulator(r),
                r.given(ProviderKeys.SIMULATOR_SCENARIO).map(Path::of),
                r.text(ProviderKeys.OPENROUTER_REFERER),
                r.text(ProviderKeys.OPENROUTER_TITLE),
                intakes(r.text(TransportKeys.INTAKE)),
                output(r),
                r.duration(TransportKeys.QUEUE_MAX_HOLD),
                new JmsSettings(
                        r.text(TransportKeys.JMS_BROKER_URL),
                        r.text(TransportKeys.JMS_USERNAME),
                        r.text(TransportKeys.JMS_PASSWORD),
                        r.flag(TransportKeys.JMS_EMBEDDED),
                        r.path(TransportKeys.JMS_EMBEDDED_DATA_DIR),
                        r.text(TransportKeys.JMS_TASKS_QUEUE),
                        r.text(TransportKeys.JMS_DEAD_LETTER_QUEUE)),
                state(r),
                gateway(r, secrets),
                progressEvery(r),
                r.flag(ProviderKeys.CHECK),
                r.flag(ProviderKeys.CHECK_AT_START),
                r.millis(ProviderKeys.HTTP_CONNECT_TIMEOUT),
                r.millis(ProviderKeys.HTTP_READ_TIMEOUT),
                budget(r),
                cache(r),
                new AnswerSettings(r.on(CoreKeys.ANSWER_CHECKS), r.flag(CoreKeys.ACCEPT_TRUNCATED)),
                r.duration(TransportKeys.INBOX_SETTLE),
                TracingSettings.from(property));
    }

    private static RotationConfig rotation(SettingsReader r) {
        Duration initialDelay = r.positiveDuration(CoreKeys.RETRY_INITIAL_DELAY);
        Duration maxDelay = r.positiveDuration(CoreKeys.RETRY_MAX_DELAY);
        if (maxDelay.compareTo(initialDelay) < 0) {
            throw new IllegalArgumentException(CoreKeys.RETRY_MAX_DELAY.key() + " (" + r.text(CoreKeys.RETRY_MAX_DELAY)
                    + ") must not be below " + CoreKeys.RETRY_INITIAL_DELAY.key() + " ("
                    + r.text(CoreKeys.RETRY_INITIAL_DELAY) + ")");
        }
        Backoff backoff = new Backoff(
                initialDelay,
                r.number(CoreKeys.RETRY_MULTIPLIER, 1, Double.POSITIVE_INFINITY),
                maxDelay,
                r.number(CoreKeys.RETRY_JITTER, 0, 1));
        return RotationConfig.builder()
                .strategy(Strategy.parse(r.choice(CoreKeys.STRATEGY)))
                .rotateAfter(r.integer(CoreKeys.ROTATE_AFTER))
                .breakerThreshold(r.integer(CoreKeys.BREAKER_THRESHOLD))
                .breakerWait(r.positiveDuration(CoreKeys.BREAKER_WAIT))
                .paymentCooldown(r.positiveDuration(CoreKeys.PAYMENT_COOLDOWN))
                .maxAttempts(r.integer(CoreKeys.MAX_ATTEMPTS))
                .taskDeadline(r.positiveDuration(CoreKeys.TASK_DEADLINE))
                .reask(r.integer(CoreKeys.REASK))
                .distrustAfter(r.integer(CoreKeys.DISTRUST_AFTER))
                .distrustFor(r.positiveDuration(CoreKeys.DISTRUST_FOR))
                .backoff(backoff)
                .build();
    }

    private static SimulatorMode simulator(SettingsReader r) {
        return switch (r.choice(ProviderKeys.SIMULATOR)) {
            case "true", "always" -> SimulatorMode.ALWAYS;
            case "false", "never" -> SimulatorMode.NEVER;
            default -> SimulatorMode.AUTO;
        };
    }

    private static CacheSettings cache(SettingsReader r) {
        return new CacheSettings(
                r.on(StateKeys.CACHE),
                r.positiveDuration(StateKeys.CACHE_TTL),
                r.on(StateKeys.JOURNAL),
                r.positiveDuration(StateKeys.JOURNAL_TTL),
                r.path(StateKeys.CACHE_DIR),
                r.integer(StateKeys.CACHE_MAX_ENTRIES));
    }

    /** The global budget every call counts on, whatever its model: rotor.budget.usd-per-hour, -day, -month. */
    private static Budget budget(SettingsReader r) {
        List<Budget.Cap> caps = new ArrayList<>();
        r.usd(CoreKeys.BUDGET_PER_HOUR)
                .ifPresent(usd -> caps.add(new Budget.Cap(Money.picoUsd(usd), Budget.Window.HOUR)));
        r.usd(CoreKeys.BUDGET_PER_DAY)
                .ifPresent(usd -> caps.add(new Budget.Cap(Money.picoUsd(usd), Budget.Window.DAY)));
        r.usd(CoreKeys.BUDGET_PER_MONTH)
                .ifPresent(usd -> caps.add(new Budget.Cap(Money.picoUsd(usd), Budget.Window.MONTH)));
        return new Budget(caps);
    }

    /** Where outcomes go, each place named with the setting that names it, for the log lines that say it fails. */
    private static OutputSettings output(SettingsReader r) {
        String transport = r.choice(TransportKeys.OUTPUT);
        Path outbox = r.path(TransportKeys.OUTBOX_DIR);
        Path failed = r.path(TransportKeys.FAILED_DIR);
        Duration giveUp = r.positiveDuration(TransportKeys.OUTPUT_GIVE_UP);
        Places places = switch (transport) {
            case "jms" ->
                new Places(
                        place("queue", r, TransportKeys.JMS_RESULTS_QUEUE),
                        place("queue", r, TransportKeys.JMS_DEAD_LETTER_QUEUE));
            case "kafka" ->
                new Places(
                        place("topic", r, TransportKeys.KAFKA_RESULTS_TOPIC),
                        place("topic", r, TransportKeys.KAFKA_DEAD_LETTER_TOPIC));
            default ->
                new Places(
                        new OutputSettings.Destination("folder " + outbox, TransportKeys.OUTBOX_DIR.key()),
                        new OutputSettings.Destination("folder " + failed, TransportKeys.FAILED_DIR.key()));
        };
        return new OutputSettings(transport, outbox, failed, giveUp, places.results(), places.deadLetters());
    }

    private record Places(OutputSettings.Destination results, OutputSettings.Destination deadLetters) {}

    private static OutputSettings.Destination place(String kind, SettingsReader r, Setting name) {
        return new OutputSettings.Destination(kind + " " + r.text(name), name.key());
    }

    /** {@code auto} (zero): every 2 s on a terminal, every 30 s otherwise. */
    private static Duration progressEvery(SettingsReader r) {
        String v = r.text(TransportKeys.BATCH_PROGRESS_EVERY);
        if (v.equalsIgnoreCase("auto")) {
            return Duration.ZERO;
        }
        Duration every;
        try {
            every = Duration.ofMillis(TimeUtils.toMilliSeconds(v));
        } catch (RuntimeException e) {
            every = Duration.ZERO;
        }
        // zero stands for auto: a zero or negative value written out is a mistake, not a way to say auto
        if (every.isNegative() || every.isZero()) {
            throw new IllegalArgumentException(TransportKeys.BATCH_PROGRESS_EVERY.key()
                    + " must be auto or a duration such as 30s, more than zero, got '" + v + "'");
        }
        return every;
    }

    /** The gateway's keys are secrets: read from ROTOR_GATEWAY_KEYS apart, by {@code secrets}, never logged. */
    private static GatewaySettings gateway(SettingsReader r, Function<String, Optional<String>> secrets) {
        List<String> keys = secrets.apply(GATEWAY_KEYS).map(v -> List.of(v.split(","))).orElse(List.of()).stream()
                .map(String::strip)
                .filter(k -> !k.isEmpty())
                .toList();
        return new GatewaySettings(
                r.text(GatewayKeys.HOST),
                r.integer(GatewayKeys.PORT),
                r.positiveDuration(GatewayKeys.DEADLINE),
                r.bytes(GatewayKeys.MAX_BODY),
                r.integer(GatewayKeys.MAX_IN_FLIGHT),
                r.flag(GatewayKeys.ALLOW_OPEN),
                keys,
                r.positiveDuration(GatewayKeys.FIRST_TOKEN_TIMEOUT),
                r.positiveDuration(GatewayKeys.STALL_TIMEOUT),
                r.positiveDuration(GatewayKeys.IDEMPOTENCY_TTL),
                r.choice(GatewayKeys.RESUME).equals("prefill"),
                r.flag(GatewayKeys.HEDGE),
                r.positiveDuration(GatewayKeys.REQUEST_TIMEOUT),
                r.integer(GatewayKeys.MAX_CONNECTIONS),
                r.positiveDuration(GatewayKeys.IDLE_TIMEOUT));
    }

    private static StateSettings state(SettingsReader r) {
        StateSettings.Store store =
                r.choice(StateKeys.STATE).equals("redis") ? StateSettings.Store.REDIS : StateSettings.Store.MEMORY;
        String url = r.text(StateKeys.REDIS_URL);
        if (store == StateSettings.Store.REDIS) {
            // fail at start on a URL that cannot work, not at the first call
            RedisEndpoint.parse(url);
        }
        return new StateSettings(
                store,
                url,
                r.text(StateKeys.PREFIX),
                r.text(StateKeys.REDIS_PASSWORD),
                r.positiveDuration(StateKeys.TIMEOUT));
    }

    /** The intakes a {@code rotor.intake} value names; a wrong one is refused. */
    static Set<String> intakes(String list) {
        Set<String> intakes = new LinkedHashSet<>();
        for (String part : list.split(",")) {
            String t = part.strip().toLowerCase(Locale.ROOT);
            // http is an intake only: its answer goes back on the request
            if (!TRANSPORTS.contains(t) && !t.equals("http")) {
                throw new IllegalArgumentException(
                        "rotor.intake takes file, jms, kafka or http (a comma list), got '" + part.strip() + "'");
            }
            intakes.add(t);
        }
        return Set.copyOf(intakes);
    }
}
