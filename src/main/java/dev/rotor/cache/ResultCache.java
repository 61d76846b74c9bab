package dev.rotor.cache;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.apache.camel.support.SynchronizationAdapter;

import dev.rotor.camel.ExchangeKeys;
import dev.rotor.chat.ChatResult;
import dev.rotor.metrics.RotorMetrics;
import dev.rotor.models.ModelRegistry;
import dev.rotor.models.ModelSpec;
import dev.rotor.rotation.TaskProgress;
import dev.rotor.task.Task;
import dev.rotor.transport.TransportMetrics;

/**
 * Completes a task with no call when its answer is already kept: {@link #lookup} before the first call, {@link #keep}
 * once a call has answered.
 * <ul>
 * <li>The journal ({@code rotor.journal=on}, the default): every answer is recorded under the task's id and what it
 * asks before its outcome is delivered, for {@code rotor.journal.ttl}. A task that comes again after a crash (a file
 * still in the inbox, a message or record not yet acknowledged) is completed from its record.</li>
 * <li>The result cache ({@code rotor.cache=on}): whole answers are kept under what the task asks alone, for
 * {@code rotor.cache.ttl}, so a re-run backlog pays only for what changed, and a task asking what another task in
 * flight asks waits for that one's answer. A truncated answer ({@code finish_reason: length}) is not kept; nor are
 * failures, here or in the journal.</li>
 * </ul>
 * Gateway requests have their Idempotency-Key instead.
 */
public final class ResultCache {

    /** Why a task was completed without a call, as {@code rotor_tasks_deduplicated_total} counts it. */
    static final String STORED = "cached";
    static final String IN_FLIGHT = "in_flight";
    static final String RECORDED = "recorded";

    /** What the cache and the journal keep, and for how long. */
    public record Keeping(boolean cache, Duration cacheTtl, boolean journal, Duration journalTtl) {
    }

    private final KeptStore store;
    private final ObjectMapper json;
    private final CacheKeys keys;
    private final InFlightAnswers inFlight = new InFlightAnswers();
    private final ModelRegistry registry;
    private final Keeping keeping;
    private final Clock clock;
    private final RotorMetrics metrics;

    public ResultCache(KeptStore store, CacheKeys keys, ModelRegistry registry, Keeping keeping, Clock clock,
                       RotorMetrics metrics, ObjectMapper json) {
        this.store = store;
        this.json = json;
        this.keys = keys;
        this.registry = registry;
        this.keeping = keeping;
        this.clock = clock;
        this.metrics = metrics;
    }

    /**
     * Sets the task's answer ({@link ExchangeKeys#RESULT}, {@link ExchangeKeys#CACHED}) when the journal holds this
     * task's, when one is kept for what it asks, or when another task in flight asking the same gets one first; else
     * this task leads its key.
     */
    public void lookup(Exchange exchange) throws InterruptedException {
        Task task = exchange.getProperty(ExchangeKeys.TASK, Task.class);
        if (store == KeptStore.NONE || task == null || task.request().isPresent()) {
            return;
        }
        TaskProgress progress = exchange.getProperty(ExchangeKeys.PROGRESS, TaskProgress.class);
        String asked = keys.keyOf(task, progress.chain());
        if (keeping.journal()) {
            String recordKey = "task-" + Sha256.hex(task.id() + "\n" + asked);
            Optional<CachedAnswer> recorded = fresh(recordKey);
            if (recorded.isPresent()) {
                answered(exchange, recorded.get(), RECORDED);
                return;
            }
            exchange.setProperty(ExchangeKeys.JOURNAL_KEY, recordKey);
        }
        if (keeping.cache() && task.cacheable()) {
            share(exchange, "answer-" + asked, progress);
        }
    }

    private void share(Exchange exchange, String key, TaskProgress progress) throws InterruptedException {
        while (true) {
            Optional<CachedAnswer> kept = fresh(key);
            if (kept.isPresent()) {
                answered(exchange, kept.get(), STORED);
                return;
            }
            InFlightAnswers.Lead mine = InFlightAnswers.take(key);
            Optional<InFlightAnswers.Lead> other = inFlight.leaderOf(key, mine);
            if (other.isEmpty()) {
                lead(exchange, mine);
                return;
            }
            Optional<CachedAnswer> shared = await(other.get(), progress);
            if (shared.isPresent()) {
                answered(exchange, shared.get(), IN_FLIGHT);
                return;
            }
            // the leader ended without an answer to share: look again, and lead if no one else does
        }
    }

    /**
     * A call answered this task: the answer is recorded in the journal, then (unless truncated) kept for what it asks
     * and given to the tasks waiting for it. Both before the outcome is delivered, so a crash after the answer costs
     * no second call.
     */
    public void keep(Exchange exchange) {
        ChatResult result = exchange.getProperty(ExchangeKeys.RESULT, ChatResult.class);
        if (result == null) {
            return;
        }
        ModelSpec model = exchange.getProperty(ExchangeKeys.MODEL, ModelSpec.class);
        String answeredBy = result.answeringModel().isBlank() ? model.id() : result.answeringModel();
        CachedAnswer answer = new CachedAnswer(result.content(), result.usage(), model.id(), answeredBy,
                clock.instant());
        String record = text(answer);
        String recordKey = exchange.getProperty(ExchangeKeys.JOURNAL_KEY, String.class);
        if (recordKey != null) {
            store.keep(recordKey, record, keeping.journalTtl());
        }
        InFlightAnswers.Lead lead = exchange.getProperty(ExchangeKeys.CACHE_LEAD, InFlightAnswers.Lead.class);
        if (lead != null && !truncated(result)) {
            store.keep(lead.key(), record, keeping.cacheTtl());
            inFlight.ended(lead, Optional.of(answer));
        }
    }

    private String text(CachedAnswer answer) {
        try {
            return json.writeValueAsString(answer);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an answer read from JSON cannot be written again", e);
        }
    }

    /** How many answers are kept; -1 when the store cannot say. */
    public long size() {
        return store.size();
    }

    /** The answer kept under the key; a record that does not read as one is a miss. */
    private Optional<CachedAnswer> fresh(String key) {
        return store.find(key).flatMap(text -> {
            try {
                return Optional.of(json.readValue(text, CachedAnswer.class));
            } catch (JsonProcessingException e) {
                return Optional.empty();
            }
        });
    }

    private void lead(Exchange exchange, InFlightAnswers.Lead mine) {
        exchange.setProperty(ExchangeKeys.CACHE_LEAD, mine);
        metrics.cacheMissed();
        // however the task ends (a dead letter, parked, a crash of the route), the key is free again
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onDone(Exchange done) {
                inFlight.ended(mine, Optional.empty());
            }
        });
    }

    private Optional<CachedAnswer> await(InFlightAnswers.Lead other, TaskProgress progress)
            throws InterruptedException {
        Duration left = progress.within(keeping.cacheTtl(), clock.instant());
        try {
            return other.answer().get(Math.max(1, left.toMillis()), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            return Optional.empty();
        }
    }

    private void answered(Exchange exchange, CachedAnswer answer, String reason) {
        List<ModelSpec> chain = exchange.getProperty(ExchangeKeys.PROGRESS, TaskProgress.class).chain();
        ModelSpec model = registry.model(answer.model()).orElse(chain.get(0));
        exchange.setProperty(ExchangeKeys.MODEL, model);
        exchange.setProperty(ExchangeKeys.RESULT, new ChatResult(answer.content(), answer.usage(),
                answer.answeringModel(), null));
        exchange.setProperty(ExchangeKeys.CACHED, answer);
        metrics.cacheHit(exchange.getProperty(TransportMetrics.TRANSPORT, "file", String.class), reason);
    }

    private static boolean truncated(ChatResult result) {
        return result.body() != null
                && "length".equals(result.body().path("choices").path(0).path("finish_reason").asText());
    }
}
