package dev.rotor.cache;

import java.time.Duration;
import java.util.Optional;

/**
 * Records kept by key for a while: the result cache's answers and the gateway's idempotency records. On this machine
 * ({@link FolderKeptStore}) or on Redis, shared by every instance ({@link RedisKeptStore}). A store out of reach finds
 * nothing and keeps nothing: a task then calls a model as it would with no cache.
 */
public interface KeptStore {

    /** Nothing kept, nothing found: the cache is off and no gateway asks. */
    KeptStore NONE = new KeptStore() {
        @Override
        public Optional<String> find(String key) {
            return Optional.empty();
        }

        @Override
        public void keep(String key, String record, Duration ttl) {}

        @Override
        public boolean claim(String key, String record, Duration ttl) {
            return true;
        }

        @Override
        public void forget(String key) {}

        @Override
        public long size() {
            return 0;
        }
    };

    /** The record kept under the key and not yet expired; empty when none is, or the store cannot be reached. */
    Optional<String> find(String key);

    /** Keeps the record for {@code ttl}, over any kept under the key. */
    void keep(String key, String record, Duration ttl);

    /** Keeps the record only when none is kept under the key: true if it was kept (the caller now holds the key). */
    boolean claim(String key, String record, Duration ttl);

    void forget(String key);

    /** How many records are kept; -1 when the store cannot say. */
    long size();
}
