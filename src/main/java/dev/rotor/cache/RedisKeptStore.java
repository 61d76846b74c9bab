package dev.rotor.cache;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.resps.Tuple;

import dev.rotor.limits.redis.RedisStore;

/**
 * Records kept on Redis, shared by every instance on the same Redis and prefix: {@code <prefix>kept:<key>} holds a
 * record and expires with it; {@code <prefix>kept} orders the keys by when they were kept, so the oldest go first
 * past {@code maxEntries}. Redis out of reach finds nothing, keeps nothing, and lets every claim through.
 */
public final class RedisKeptStore implements KeptStore {

    private final RedisStore redis;
    private final String prefix;
    private final int maxEntries;
    private final Clock clock;

    public RedisKeptStore(RedisStore redis, String prefix, int maxEntries, Clock clock) {
        this.redis = redis;
        this.prefix = prefix;
        this.maxEntries = maxEntries;
        this.clock = clock;
    }

    @Override
    public Optional<String> find(String key) {
        return redis.call(c -> c.get(recordKey(key)));
    }

    @Override
    public void keep(String key, String record, Duration ttl) {
        redis.call(c -> c.psetex(recordKey(key), ttl.toMillis(), record));
        indexLater(key, ttl);
    }

    @Override
    public boolean claim(String key, String record, Duration ttl) {
        Optional<String> set = redis.call(c -> c.set(recordKey(key), record, SetParams.setParams().nx().px(ttl.toMillis())));
        boolean claimed = set.isPresent() || redis.degraded();
        if (set.isPresent()) {
            indexLater(key, ttl);
        }
        return claimed;
    }

    @Override
    public void forget(String key) {
        redis.later(c -> {
            c.del(recordKey(key));
            c.zrem(index(), key);
        });
    }

    @Override
    public long size() {
        return redis.call(c -> c.zcard(index())).orElse(-1L);
    }

    /** The index is trimmed off the call's path: of expired keys, and of the oldest past the bound. */
    private void indexLater(String key, Duration ttl) {
        long now = clock.millis();
        redis.later(c -> {
            c.zadd(index(), now + ttl.toMillis(), key);
            c.zremrangeByScore(index(), Double.NEGATIVE_INFINITY, now);
            long over = c.zcard(index()) - maxEntries;
            if (over > 0) {
                for (Tuple oldest : c.zpopmin(index(), (int) over)) {
                    c.del(recordKey(oldest.getElement()));
                }
            }
        });
    }

    private String recordKey(String key) {
        return prefix + "kept:" + key;
    }

    private String index() {
        return prefix + "kept";
    }
}
