package dev.rotor.wiring;

import dev.rotor.ConfigurationMistake;
import dev.rotor.RotorSettings;
import dev.rotor.cache.CacheKeys;
import dev.rotor.cache.CacheSettings;
import dev.rotor.cache.FolderKeptStore;
import dev.rotor.cache.JournalFile;
import dev.rotor.cache.KeptStore;
import dev.rotor.cache.RedisKeptStore;
import dev.rotor.cache.ResultCache;
import dev.rotor.limits.InMemoryLimitState;
import dev.rotor.limits.LimitState;
import dev.rotor.limits.StateSettings;
import dev.rotor.limits.redis.RedisEndpoint;
import dev.rotor.limits.redis.RedisLimitState;
import dev.rotor.rotation.Backoff;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.function.DoubleSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Where state lives: the limit state (this process's or shared on Redis), the journal, the cache, the keys. */
final class StateBinder {

    private static final Logger LOG = LoggerFactory.getLogger(StateBinder.class);

    private StateBinder() {}

    /** The limit state: this process's own, or shared on Redis with every process on the same Redis and prefix. */
    static LimitState limits(Wiring w, DoubleSupplier random) throws Exception {
        RotorSettings settings = w.settings();
        Backoff backoff = settings.rotation().backoff();
        InMemoryLimitState own = new InMemoryLimitState(
                w.models(), settings.limits(), n -> backoff.delay(n, random.getAsDouble()), settings.budget());
        StateSettings state = settings.state();
        if (state.store() == StateSettings.Store.MEMORY) {
            return own;
        }
        RedisEndpoint endpoint = RedisEndpoint.parse(state.redisUrl());
        RedisLimitState shared = new RedisLimitState(
                own, w.models(), w.clock(), endpoint, state.redisPassword(), state.timeout(), state.prefix());
        LOG.info(
                "Limit state shared on Redis at {} under prefix '{}' (this process: {})",
                endpoint,
                state.prefix(),
                shared.process());
        Lifecycle.closeOnStop(w.context(), shared::close);
        return shared;
    }

    /** Binds the result cache over the journal and the shared store; returns the shared store for the gateway. */
    static KeptStore bindResultCache(Wiring w, Core core) {
        CacheSettings cache = w.settings().cache();
        KeptStore journal = cache.journal() ? journal(cache, w.clock()) : KeptStore.NONE;
        KeptStore shared = shared(w, core.limits());
        // a shared store out of reach says -1: the journal's records are counted all the same
        core.metrics().cacheGauge(() -> Math.max(0, shared.size()) + journal.size());
        w.beans()
                .bind(
                        "resultCache",
                        new ResultCache(
                                journal,
                                shared,
                                new CacheKeys(w.json()),
                                w.models(),
                                w.simulated(),
                                new ResultCache.Keeping(cache.on(), cache.ttl(), cache.journal(), cache.journalTtl()),
                                w.clock(),
                                core.metrics(),
                                w.json()));
        return shared;
    }

    static void degradedGauge(MeterRegistry meters, LimitState limits) {
        Gauge.builder("rotor.state.degraded", limits, l -> l.degraded() ? 1 : 0)
                .description(
                        "1 while the shared limit state on Redis is out of reach and this process paces on its own view")
                .register(meters);
    }

    /**
     * The journal is always kept on this machine, in rotor.cache.dir: the task it answers comes again to this process's
     * folder or queue after a restart, and no task's answer goes to Redis unless the cache is asked for. The cache and
     * the idempotency keys are on Redis with rotor.state=redis, shared by every instance, else in the same folder.
     */
    private static KeptStore shared(Wiring w, LimitState limits) {
        RotorSettings settings = w.settings();
        CacheSettings cache = settings.cache();
        if (!cache.on() && !settings.intakes().contains("http")) {
            return KeptStore.NONE;
        }
        if (limits instanceof RedisLimitState redis) {
            LOG.info(
                    "Cached answers and idempotency keys kept on Redis, shared under prefix '{}'",
                    settings.state().prefix());
            Duration longest =
                    Collections.max(List.of(cache.ttl(), settings.gateway().idempotencyTtl()));
            return new RedisKeptStore(redis.store(), settings.state().prefix(), cache.maxEntries(), longest, w.clock());
        }
        KeptStore folder = kept(() -> new FolderKeptStore(cache.folder(), cache.maxEntries(), w.clock()));
        LOG.info("Cached answers and idempotency keys kept in {} ({} records)", cache.folder(), folder.size());
        return folder;
    }

    private static KeptStore journal(CacheSettings cache, Clock clock) {
        KeptStore journal =
                kept(() -> new JournalFile(cache.folder().resolve("journal.log"), cache.maxEntries(), clock));
        LOG.info("Journal in {} ({} answers recorded)", cache.folder().resolve("journal.log"), journal.size());
        return journal;
    }

    /** A store on this machine, or the one-line mistake that names rotor.cache.dir. */
    private static KeptStore kept(Supplier<KeptStore> open) {
        try {
            return open.get();
        } catch (UncheckedIOException e) {
            throw new ConfigurationMistake(new IllegalArgumentException(e.getMessage() + ": " + e.getCause()));
        }
    }
}
