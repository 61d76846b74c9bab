package dev.rotor.cache;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The keys whose answer is being asked for now, so that a second task asking the same waits for the first's answer
 * instead of calling. The first to ask leads; the others follow its {@link Lead#answer}, which ends with the answer, or
 * empty when the leader ended without one to share (a dead letter, a truncated answer).
 */
final class InFlightAnswers {

    /** One key being asked for; completed once, by the leader. */
    record Lead(String key, CompletableFuture<Optional<CachedAnswer>> answer) {}

    private final ConcurrentMap<String, CompletableFuture<Optional<CachedAnswer>>> asking = new ConcurrentHashMap<>();

    /** Makes {@code mine} the key's lead if no task holds it (empty); else the lead to follow. */
    Optional<Lead> leadOrFollow(String key, Lead mine) {
        CompletableFuture<Optional<CachedAnswer>> other = asking.putIfAbsent(key, mine.answer());
        return other == null ? Optional.empty() : Optional.of(new Lead(key, other));
    }

    static Lead newLead(String key) {
        return new Lead(key, new CompletableFuture<>());
    }

    /** The leader ended: followers get its answer, or empty; the key is free for the next to lead. */
    void ended(Lead lead, Optional<CachedAnswer> answer) {
        asking.remove(lead.key(), lead.answer());
        lead.answer().complete(answer);
    }
}
