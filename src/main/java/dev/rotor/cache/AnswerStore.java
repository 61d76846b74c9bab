package dev.rotor.cache;

import java.util.Optional;

/** Where kept answers live: a folder under the work folder, or Redis shared by every instance. */
public interface AnswerStore {

    /** The cache is off: nothing is kept, nothing found. */
    AnswerStore NONE = new AnswerStore() {
        @Override
        public Optional<CachedAnswer> find(String key) {
            return Optional.empty();
        }

        @Override
        public void keep(String key, CachedAnswer answer) {
        }

        @Override
        public long size() {
            return 0;
        }
    };

    /** The answer kept under the key; empty when none is, or the store cannot be reached. */
    Optional<CachedAnswer> find(String key);

    void keep(String key, CachedAnswer answer);

    /** How many answers are kept; -1 when the store cannot say. */
    long size();
}
