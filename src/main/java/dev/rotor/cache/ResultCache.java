package dev.rotor.cache;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.chat.ChatResult;
import dev.rotor.core.ExchangeKeys;
import dev.rotor.metrics.RotorMetrics;
import dev.rotor.models.ModelRegistry;
import dev.rotor.models.ModelSpec;
import dev.rotor.rotation.TaskProgress;
import dev.rotor.task.Task;
import dev.rotor.transport.Transport;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.camel.Exchange;
import org.apache.camel.support.SynchronizationAdapter;

/**
 * Completes a task with no call when its answer is already kept: {@link #lookup} before the first call, {@link #keep}
 * once a call has answered.
 *
 * <ul>
 *   <li>The journal ({@code rotor.journal=on}, the default): every answer is recorded under the task's id and what it
 *       asks before its outcome is delivered, for {@code rotor.journal.ttl}. A task that comes again after a crash (a
 *       file still in the inbox, a message or record not yet acknowledged) is completed from its record.
 *   <li>The result cache ({@code rotor.cache=on}): whole answers are kept under what the task asks alone, for
 *       {@code rotor.cache.ttl}, so a re-run backlog pays only for what changed, and a task asking what another task in
 *       flight asks waits for that one's answer (until its own deadline; it holds its thread while it waits). An answer
 *       cut at max_tokens or by a content filter, or with no content, is not kept; failures are kept neither here nor
 *       in the journal.
 * </ul>
 *
 * Gateway requests have their Idempotency-Key instead.
 */
public final class ResultCache {

    /** Why a task was completed without a call, as {@code rotor_tasks_deduplicated_total} counts it. */
    static final String STORED = "cached";

    static final String IN_FLIGHT = "in_flight";
    static final String RECORDED = "recorded";
    /** Finish reasons of an answer that is not whole: never kept for another task. */
    private static final Set<String> UNFINISHED = Set.of("length", "content_filter", "error");

    /** What the cache and the journal keep, and for how long. */
    public record Keeping(boolean cache, Duration cacheTtl, boolean journal, Duration journalTtl) {}

    private final KeptStore journal;
    private final KeptStore store;
    private final ObjectMapper json;
    private final CacheKeys keys;
    private final InFlightAnswers inFlight = new InFlightAnswers();
    private final ModelRegistry registry;
    private final Keeping keeping;
    private final Clock clock;
    private final RotorMetrics metrics;
    private final Set<String> simulatedProviders;

    /**
     * @param journal where each task's answer is recorded (this machine's folder)
     * @param store where answers are kept for every task that asks the same (the folder, or Redis)
     * @param simulatedProviders the providers the embedded simulator serves in this run
     */
    public ResultCache(
            KeptStore journal,
            KeptStore store,
            CacheKeys keys,
            ModelRegistry registry,
            Set<String> simulatedProviders,
            Keeping keeping,
            Clock clock,
            RotorMetrics metrics,
            ObjectMapper json) {
        this.journal = journal;
        this.store = store;
        this.json = json;
        this.keys = keys;
        this.registry = registry;
        this.simulatedProviders = Set.copyOf(simulatedProviders);
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
        if ((journal == KeptStore.NONE && store == KeptStore.NONE)
                || task == null
                || task.request().isPresent()) {
            return;
        }
        TaskProgress progress = exchange.getProperty(ExchangeKeys.PROGRESS, TaskProgress.class);
        String mark = simulatedMark(progress);
        if (keeping.journal()) {
            String recordKey = "task-" + mark + journalKey(exchange, task, progress);
            Optional<CachedAnswer> recorded = fresh(journal, recordKey);
            if (recorded.isPresent()) {
                answered(exchange, recorded.get(), RECORDED);
                return;
            }
            exchange.setProperty(ExchangeKeys.JOURNAL_KEY, recordKey);
        }
        if (keeping.cache() && task.cacheable()) {
            share(exchange, "answer-" + mark + keys.keyOf(task, progress.chain()), progress);
        }
    }

    /**
     * Answers the simulator gave are kept apart from the providers' own: a run after the provider's key is set must not
     * be answered with the simulator's text.
     */
    private String simulatedMark(TaskProgress progress) {
        return progress.chain().stream()
                        .anyMatch(m -> simulatedProviders.contains(m.provider().name()))
                ? "simulated-"
                : "";
    }

    /**
     * The task as it came, byte for byte, with its id and chain: the same input comes back after a crash, and hashing
     * its bytes costs a few microseconds where the cache's key writes the task again in a canonical form.
     */
    private String journalKey(Exchange exchange, Task task, TaskProgress progress) {
        byte[] raw = exchange.getProperty(ExchangeKeys.RAW_INPUT, byte[].class);
        if (raw == null) {
            return Sha256.hex(task.id() + "\n" + keys.keyOf(task, progress.chain()));
        }
        StringBuilder head = new StringBuilder(task.id()).append('\n');
        progress.chain().forEach(m -> head.append(m.id()).append('\n'));
        byte[] prefix = head.toString().getBytes(StandardCharsets.UTF_8);
        byte[] all = Arrays.copyOf(prefix, prefix.length + raw.length);
        System.arraycopy(raw, 0, all, prefix.length, raw.length);
        return Sha256.hex(all);
    }

    private void share(Exchange exchange, String key, TaskProgress progress) throws InterruptedException {
        while (true) {
            Optional<CachedAnswer> kept = fresh(store, key);
            if (kept.isPresent()) {
                answered(exchange, kept.get(), STORED);
                return;
            }
            InFlightAnswers.Lead mine = InFlightAnswers.newLead(key);
            Optional<InFlightAnswers.Lead> other = inFlight.leadOrFollow(key, mine);
            if (other.isEmpty()) {
                lead(exchange, mine);
                return;
            }
            Duration left = progress.within(keeping.cacheTtl(), clock.instant());
            if (left.isZero() || left.isNegative()) {
                // past the task's deadline: the attempt gives it up, as it would any task
                return;
            }
            Optional<CachedAnswer> shared;
            try {
                shared = other.get().answer().get(left.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException | ExecutionException e) {
                return;
            }
            if (shared.isPresent()) {
                answered(exchange, shared.get(), IN_FLIGHT);
                return;
            }
            // the leader ended without an answer to share: look again, and lead if no one else does
        }
    }

    /**
     * A call answered this task: the answer is recorded in the journal, then (unless truncated) kept for what it asks
     * and given to the tasks waiting for it. Both before the outcome is delivered, so a crash after the answer costs no
     * second call.
     */
    public void keep(Exchange exchange) {
        ChatResult result = exchange.getProperty(ExchangeKeys.RESULT, ChatResult.class);
        if (result == null || !result.toolCalls().isEmpty()) {
            // a kept answer holds its content only: an answer that calls tools is not kept, and is asked again
            return;
        }
        ModelSpec model = exchange.getProperty(ExchangeKeys.MODEL, ModelSpec.class);
        String answeredBy = result.answeringModel().isBlank() ? model.id() : result.answeringModel();
        CachedAnswer answer =
                new CachedAnswer(result.content(), result.usage(), model.id(), answeredBy, clock.instant());
        String record = text(answer);
        String recordKey = exchange.getProperty(ExchangeKeys.JOURNAL_KEY, String.class);
        if (recordKey != null) {
            journal.keep(recordKey, record, keeping.journalTtl());
        }
        InFlightAnswers.Lead lead = exchange.getProperty(ExchangeKeys.CACHE_LEAD, InFlightAnswers.Lead.class);
        if (lead != null && whole(result)) {
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
    private Optional<CachedAnswer> fresh(KeptStore from, String key) {
        return from.find(key).flatMap(text -> {
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

    private void answered(Exchange exchange, CachedAnswer answer, String reason) {
        List<ModelSpec> chain =
                exchange.getProperty(ExchangeKeys.PROGRESS, TaskProgress.class).chain();
        ModelSpec model = registry.model(answer.model()).orElse(chain.get(0));
        exchange.setProperty(ExchangeKeys.MODEL, model);
        exchange.setProperty(
                ExchangeKeys.RESULT, new ChatResult(answer.content(), answer.usage(), answer.answeringModel(), null));
        exchange.setProperty(ExchangeKeys.CACHED, answer);
        metrics.cacheHit(
                exchange.getProperty(ExchangeKeys.TRANSPORT, Transport.FILE, Transport.class)
                        .label(),
                reason);
    }

    /** An answer to give again: with content, and not cut at max_tokens or by a filter. */
    private static boolean whole(ChatResult result) {
        String finish = result.body() == null
                ? ""
                : result.body().path("choices").path(0).path("finish_reason").asText("");
        return !result.content().isBlank() && !UNFINISHED.contains(finish);
    }
}
