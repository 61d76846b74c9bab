package dev.rotor.cache;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import redis.clients.jedis.resps.Tuple;

import dev.rotor.limits.redis.RedisStore;

/**
 * Answers kept on Redis, shared by every instance on the same Redis and prefix: {@code <prefix>answer:<key>} holds
 * the answer and expires with its time to live; {@code <prefix>answers} orders the keys by when they were kept, so the
 * oldest go first past {@code maxEntries}. Redis out of reach is a miss, and an answer it did not take is only an
 * answer a later task will ask for again.
 */
public final class RedisAnswerStore implements AnswerStore {

    private final RedisStore redis;
    private final String prefix;
    private final Duration ttl;
    private final int maxEntries;
    private final ObjectMapper json;
    private final Clock clock;

    public RedisAnswerStore(RedisStore redis, String prefix, Duration ttl, int maxEntries, ObjectMapper json,
                            Clock clock) {
        this.redis = redis;
        this.prefix = prefix;
        this.ttl = ttl;
        this.maxEntries = maxEntries;
        this.json = json;
        this.clock = clock;
    }

    @Override
    public Optional<CachedAnswer> find(String key) {
        return redis.call(c -> c.get(answerKey(key))).flatMap(this::parsed);
    }

    @Override
    public void keep(String key, CachedAnswer answer) {
        String text;
        try {
            text = json.writeValueAsString(answer);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an answer read from JSON cannot be written again", e);
        }
        long now = clock.millis();
        redis.later(c -> {
            c.psetex(answerKey(key), ttl.toMillis(), text);
            c.zadd(index(), now, key);
            c.zremrangeByScore(index(), Double.NEGATIVE_INFINITY, now - ttl.toMillis());
            long over = c.zcard(index()) - maxEntries;
            if (over > 0) {
                for (Tuple oldest : c.zpopmin(index(), (int) over)) {
                    c.del(answerKey(oldest.getElement()));
                }
            }
        });
    }

    @Override
    public long size() {
        return redis.call(c -> c.zcard(index())).orElse(-1L);
    }

    private Optional<CachedAnswer> parsed(String text) {
        try {
            return Optional.of(json.readValue(text, CachedAnswer.class));
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
    }

    private String answerKey(String key) {
        return prefix + "answer:" + key;
    }

    private String index() {
        return prefix + "answers";
    }
}
