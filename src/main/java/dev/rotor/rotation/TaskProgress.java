package dev.rotor.rotation;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.chat.Failure;
import dev.rotor.limits.TaskSize;
import dev.rotor.models.ModelSpec;
import dev.rotor.tracing.TaskTrace;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;

/**
 * What one task has been through: its chain, deadline, attempts, and the models it should not go back to. Owned by one
 * exchange, which is processed by one thread at a time, so it needs no locking.
 */
public final class TaskProgress {

    private final String taskId;
    private final List<ModelSpec> chain;
    private final Instant deadline;
    private final TaskSize size;
    private final List<Attempt> attempts = new ArrayList<>();
    /** Models that cannot take this task at all (its prompt is too long for them, or its tokens for their limits). */
    private final Set<String> unfit = new HashSet<>();
    /** Why each model too small for the task's tokens is, for the dead letter if none is large enough. */
    private final Map<String, String> tooLarge = new LinkedHashMap<>();
    /** Models whose budget can never hold the task's worst case, and why. */
    private final Map<String, String> overBudget = new LinkedHashMap<>();
    /** Why the task waits now, when what it waits for is a budget's reset; null otherwise. */
    private String budgetWait;
    /** What its calls cost, in pico-dollars, as far as their answers told; unknown once one did not. */
    private long spentPicoUsd;

    private boolean costUnknown;
    /** Models this task rotated away from after repeated transient failures; tried last, not never. */
    private final Set<String> rotatedAway = new HashSet<>();
    /** Models whose answers failed their checks until they had no chance left, and why; not asked again. */
    private final Map<String, String> rejectedBy = new LinkedHashMap<>();
    /** How many times each model was asked again after an answer that failed its checks. */
    private final Map<String, Integer> reasks = new HashMap<>();
    /** The max_tokens a model is asked with after its answer was cut off at the task's own. */
    private final Map<String, Integer> widened = new HashMap<>();

    private FollowUp followUp;
    private String lastContent;
    /** plain, json or tools: models that keep failing a kind's checks lose tasks of that kind for a while. */
    private String answerKind = "plain";

    private ModelSpec pinned;
    private int pinnedFailures;
    private ModelSpec lastModel;
    private Failure lastFailure;
    private int rotations;
    /** The task's spans while tracing is on; null off. Not carried when parked: the next take starts its own. */
    private TaskTrace trace;

    public TaskProgress(String taskId, List<ModelSpec> chain, Instant deadline) {
        this(taskId, chain, deadline, TaskSize.UNKNOWN);
    }

    /** @param size the task's input as counted locally and the output it asks for at most: what its calls reserve */
    public TaskProgress(String taskId, List<ModelSpec> chain, Instant deadline, TaskSize size) {
        if (chain.isEmpty()) {
            throw new IllegalArgumentException("a task needs at least one model in its chain");
        }
        this.taskId = taskId;
        this.chain = List.copyOf(chain);
        this.deadline = deadline;
        this.size = size;
    }

    /** A task taken again after it was parked: its attempts, rotations and deadline carry on. */
    public static TaskProgress resume(String taskId, List<ModelSpec> chain, ProgressSnapshot snapshot, TaskSize size) {
        TaskProgress p = new TaskProgress(taskId, chain, snapshot.deadline(), size);
        p.attempts.addAll(snapshot.attempts());
        p.rotations = snapshot.rotations();
        chain.stream()
                .filter(m -> !snapshot.attempts().isEmpty()
                        && m.id().equals(snapshot.attempts()
                                .get(snapshot.attempts().size() - 1)
                                .model()))
                .findFirst()
                .ifPresent(m -> p.lastModel = m);
        return p;
    }

    public ProgressSnapshot snapshot(Instant receivedAt) {
        return new ProgressSnapshot(List.copyOf(attempts), rotations, deadline, receivedAt);
    }

    public String taskId() {
        return taskId;
    }

    public List<ModelSpec> chain() {
        return chain;
    }

    public Instant deadline() {
        return deadline;
    }

    public TaskSize size() {
        return size;
    }

    public String answerKind() {
        return answerKind;
    }

    /** What kind of answer the task asks for: plain, json or tools. */
    public void answerKind(String kind) {
        answerKind = kind;
    }

    /** What a call on this model reserves: the task's size, with the wider max_tokens of a call after a cut-off. */
    public TaskSize sizeFor(ModelSpec model) {
        OptionalInt wider = maxTokensFor(model);
        return wider.isEmpty() ? size : new TaskSize(size.rawInputTokens(), wider);
    }

    /** The max_tokens to send this model instead of the task's own; empty: the task's own. */
    public OptionalInt maxTokensFor(ModelSpec model) {
        Integer wider = widened.get(model.id());
        return wider == null ? OptionalInt.empty() : OptionalInt.of(wider);
    }

    /** What to tell this model after the task's messages, when its last answer was rejected and it is asked again. */
    public Optional<FollowUp> followUpFor(ModelSpec model) {
        return followUp != null && followUp.model().equals(model.id()) ? Optional.of(followUp) : Optional.empty();
    }

    /** The content of the last answer that failed its checks, for the dead letter. */
    public Optional<String> lastContent() {
        return Optional.ofNullable(lastContent);
    }

    /** The timeout, or what is left before the deadline when that is less (zero or negative once it has passed). */
    public Duration within(Duration timeout, Instant now) {
        Duration left = Duration.between(now, deadline);
        return left.compareTo(timeout) < 0 ? left : timeout;
    }

    public List<Attempt> attempts() {
        return List.copyOf(attempts);
    }

    public int calls() {
        return attempts.size();
    }

    public int rotations() {
        return rotations;
    }

    public TaskTrace trace() {
        return trace;
    }

    public void trace(TaskTrace t) {
        this.trace = t;
    }

    public Optional<ModelSpec> lastModel() {
        return Optional.ofNullable(lastModel);
    }

    public Optional<Failure> lastFailure() {
        return Optional.ofNullable(lastFailure);
    }

    public void record(Attempt attempt) {
        attempts.add(attempt);
    }

    /** An answered call cost this much ({@code cost}), or an amount not known (empty). */
    public void spent(OptionalLong cost) {
        if (cost.isPresent()) {
            spentPicoUsd += cost.getAsLong();
        } else {
            costUnknown = true;
        }
    }

    /** What the task's answered calls cost, in pico-dollars; empty when one's cost is not known. */
    public OptionalLong cost() {
        return costUnknown ? OptionalLong.empty() : OptionalLong.of(spentPicoUsd);
    }

    Optional<ModelSpec> pinned() {
        return Optional.ofNullable(pinned);
    }

    boolean canUse(ModelSpec model) {
        return !unfit.contains(model.id()) && !rotatedAway.contains(model.id());
    }

    boolean isUnfit(ModelSpec model) {
        return unfit.contains(model.id());
    }

    void markUnfit(ModelSpec model) {
        unfit.add(model.id());
        unpin();
    }

    /** The model's limits can never hold this task's tokens: it is not tried again, and why is kept. */
    void markTooLarge(ModelSpec model, String why) {
        tooLarge.put(model.id(), why);
        markUnfit(model);
    }

    Optional<String> tooLargeFor(ModelSpec model) {
        return Optional.ofNullable(tooLarge.get(model.id()));
    }

    void markOverBudget(ModelSpec model, String why) {
        overBudget.put(model.id(), why);
        markUnfit(model);
    }

    Optional<String> overBudgetFor(ModelSpec model) {
        return Optional.ofNullable(overBudget.get(model.id()));
    }

    /** The earliest model the task waits for is out of the rotation until a budget resets (null: it is not). */
    void waitsOnBudget(String why) {
        budgetWait = why;
    }

    Optional<String> budgetWait() {
        return Optional.ofNullable(budgetWait);
    }

    /** A transient failure: returns how many in a row this task has had on this model. */
    int transientFailureOn(ModelSpec model) {
        pin(model);
        return ++pinnedFailures;
    }

    /** The task stays with this model; its count of failures in a row starts again when the model is another. */
    private void pin(ModelSpec model) {
        if (pinned == null || !pinned.id().equals(model.id())) {
            pinned = model;
            pinnedFailures = 0;
        }
    }

    void rotateAwayFrom(ModelSpec model) {
        rotatedAway.add(model.id());
        unpin();
    }

    void unpin() {
        pinned = null;
        pinnedFailures = 0;
    }

    /** Notes the model chosen for the next call; true when that is a rotation away from the previous model. */
    boolean startCall(ModelSpec model) {
        boolean rotated = lastModel != null && !lastModel.id().equals(model.id());
        if (rotated) {
            rotations++;
        }
        lastModel = model;
        return rotated;
    }

    void failed(Failure failure) {
        lastFailure = failure;
    }

    /** An answer failed its checks: what it said is kept for the dead letter. */
    void answerRejected(Failure failure, String content) {
        lastFailure = failure;
        if (content != null && !content.isEmpty()) {
            lastContent = content;
        }
    }

    int reasksOn(ModelSpec model) {
        return reasks.getOrDefault(model.id(), 0);
    }

    /** The model is asked again, told what was wrong; the task stays with it for that call. */
    void reask(ModelSpec model, String answer, JsonNode toolCalls, String complaint) {
        reasks.merge(model.id(), 1, Integer::sum);
        followUp = new FollowUp(model.id(), answer, toolCalls, complaint);
        pin(model);
    }

    boolean wasWidened(ModelSpec model) {
        return widened.containsKey(model.id());
    }

    /** The model is asked once more with this max_tokens; the task stays with it for that call. */
    void widen(ModelSpec model, int maxTokens) {
        widened.put(model.id(), maxTokens);
        pin(model);
    }

    /** The model's answers for this task failed until it had no chance left: it is not asked again. */
    void markRejected(ModelSpec model, String why) {
        rejectedBy.put(model.id(), why);
        markUnfit(model);
    }

    Optional<String> rejectedFor(ModelSpec model) {
        return Optional.ofNullable(rejectedBy.get(model.id()));
    }

    boolean anyRejected() {
        return !rejectedBy.isEmpty();
    }
}
