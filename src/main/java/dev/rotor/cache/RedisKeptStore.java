package dev.rotor.cache;

import dev.rotor.limits.redis.RedisStore;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.resps.Tuple;

/**
 * Records kept on Redis, shared by every instance on the same Redis and prefix: {@code <prefix>kept:<key>} holds a
 * record and expires with it; {@code <prefix>kept} orders the keys by when they were kept, so the oldest go first past
 * {@code maxEntries}, and drops those older than the longest time to live (their records have expired). Redis out of
 * reach finds nothing, keeps nothing, and lets every claim through.
 */
public final class RedisKeptStore implements KeptStore {

    private final RedisStore redis;
    private final String prefix;
    private final int maxEntries;
    private final Duration longestTtl;
    private final Clock clock;

    /** @param longestTtl the longest any record is kept for: index entries older than that are of expired records */
    public RedisKeptStore(RedisStore redis, String prefix, int maxEntries, Duration longestTtl, Clock clock) {
        this.redis = redis;
        this.prefix = prefix;
        this.maxEntries = maxEntries;
        this.longestTtl = longestTtl;
        this.clock = clock;
    }

    @Override
    public Optional<String> find(String key) {
        return redis.call(c -> c.get(recordKey(key)));
    }

    @Override
    public void keep(String key, String record, Duration ttl) {
        redis.call(c -> c.psetex(recordKey(key), ttl.toMillis(), record));
        indexLater(key);
    }

    @Override
    public boolean claim(String key, String record, Duration ttl) {
        Optional<String> set = redis.call(
                c -> c.set(recordKey(key), record, SetParams.setParams().nx().px(ttl.toMillis())));
        boolean claimed = set.isPresent() || redis.degraded();
        if (set.isPresent()) {
            indexLater(key);
        }
        return claimed;
    }

    @Override
    public void forget(String key) {
        // at once: a gateway client that retries right after an error finds its key free
        redis.call(c -> c.del(recordKey(key)));
        redis.later(c -> c.zrem(index(), key));
    }

    @Override
    public long size() {
        return redis.call(c -> c.zcard(index())).orElse(-1L);
    }

    /** The index is trimmed off the call's path: of expired keys, and of the oldest past the bound. */
    private void indexLater(String key) {
        long now = clock.millis();
        redis.later(c -> {
            c.zadd(index(), now, key);
            // the index itself goes when nothing has been kept for as long as any record lives
            c.pexpire(index(), longestTtl.toMillis());
            c.zremrangeByScore(index(), Double.NEGATIVE_INFINITY, now - longestTtl.toMillis());
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
