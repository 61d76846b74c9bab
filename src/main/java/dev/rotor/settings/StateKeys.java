package dev.rotor.settings;

import static dev.rotor.settings.Setting.choice;
import static dev.rotor.settings.Setting.of;

import dev.rotor.cache.CacheSettings;
import java.util.List;

/** What Rotor keeps: the limit state (here or on Redis), the journal, the result cache. */
public final class StateKeys {

    public static final Setting STATE = choice(
            "rotor.state",
            "memory",
            "where the limit state lives: `memory` (this process) or `redis` (shared by every instance)",
            "memory",
            "redis");
    public static final Setting REDIS_URL = of(
            "rotor.state.redis-url",
            Kind.TEXT,
            "redis://localhost:6379",
            "`redis://[user@]host[:port][/db]`, `rediss://` for TLS; never the password");
    public static final Setting REDIS_PASSWORD =
            of("rotor.state.password", Kind.SECRET, "", "the Redis password: set it as `ROTOR_STATE_PASSWORD`");
    public static final Setting PREFIX = of(
            "rotor.state.prefix",
            Kind.TEXT,
            "rotor:",
            "key prefix on Redis; processes share state when they share Redis and prefix");
    public static final Setting TIMEOUT = of(
            "rotor.state.timeout",
            Kind.DURATION,
            "50ms",
            "a Redis slower than this is taken as lost, and each process goes on with its own view");
    public static final Setting CACHE = of(
            "rotor.cache",
            Kind.SWITCH,
            "off",
            "`on`: complete a task from the kept answer to the same question, with no call");
    public static final Setting CACHE_TTL =
            of("rotor.cache.ttl", Kind.DURATION, "7d", "a kept answer serves this long");
    public static final Setting CACHE_DIR = of(
            "rotor.cache.dir",
            Kind.PATH,
            "work/cache",
            "the journal, and with `rotor.state=memory` the kept answers and idempotency keys");
    public static final Setting CACHE_MAX_ENTRIES = of(
            "rotor.cache.max-entries",
            Kind.COUNT,
            String.valueOf(CacheSettings.DEFAULT_MAX_ENTRIES),
            "at most this many journal records, and as many kept answers and idempotency keys; the oldest go first");
    public static final Setting JOURNAL = of(
            "rotor.journal",
            Kind.SWITCH,
            "on",
            "record each answer before its outcome is delivered, so a task that comes again after a crash completes "
                    + "from it");
    public static final Setting JOURNAL_TTL =
            of("rotor.journal.ttl", Kind.DURATION, "1h", "how long a journal record is kept");

    public static final SettingsGroup GROUP = new SettingsGroup(
            "State, journal and cache",
            List.of(
                    STATE,
                    REDIS_URL,
                    REDIS_PASSWORD,
                    PREFIX,
                    TIMEOUT,
                    CACHE,
                    CACHE_TTL,
                    CACHE_DIR,
                    CACHE_MAX_ENTRIES,
                    JOURNAL,
                    JOURNAL_TTL));

    private StateKeys() {}
}
