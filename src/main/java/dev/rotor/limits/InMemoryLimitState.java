package dev.rotor.limits;

import dev.rotor.chat.LimitScope;
import dev.rotor.chat.TokenUsage;
import dev.rotor.chat.headers.LimitReport;
import dev.rotor.chat.headers.LimitSignal;
import dev.rotor.models.Budget;
import dev.rotor.models.ModelRegistry;
import dev.rotor.models.ModelSpec;
import dev.rotor.models.RateLimits;
import dev.rotor.models.Unit;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The limit state of one Rotor process, in memory, behind one lock: every task of the process sees the same. */
public final class InMemoryLimitState implements LimitState {

    private static final Logger LOG = LoggerFactory.getLogger(InMemoryLimitState.class);

    private final Map<String, ScopeLimits> scopes = new LinkedHashMap<>();
    private final Map<String, List<ScopeLimits>> byModel = new HashMap<>();
    /** A provider's free pool → the limit group that declares it: both count the same calls in the same windows. */
    private final Map<String, ScopeLimits> poolGroups = new HashMap<>();

    private final Map<String, String> gone = new HashMap<>();
    private final Map<String, String> refused = new HashMap<>();
    private final CooldownGuess guess;
    private final LimitsConfig config;
    /** What every call counts on: the global budget, when one is set. */
    private final ScopeLimits global;

    private long nextId;
    private LimitListener listener = (limit, confirmed) -> {};

    public InMemoryLimitState(ModelRegistry registry, LimitsConfig config, CooldownGuess guess) {
        this(registry, config, guess, Budget.NONE);
    }

    /** @param global a budget every call counts on, whatever its model (rotor.budget.*) */
    public InMemoryLimitState(ModelRegistry registry, LimitsConfig config, CooldownGuess guess, Budget global) {
        this.guess = guess;
        this.config = config;
        this.global = new ScopeLimits(ScopeKeys.ALL, RateLimits.NONE, global, config, this::logChange);
        for (ModelSpec m : registry.models()) {
            List<ScopeLimits> own = new ArrayList<>(3);
            for (String key : ScopeKeys.of(m)) {
                own.add(scopes.computeIfAbsent(
                        key,
                        k -> new ScopeLimits(
                                k, declared(k, m, registry), budgetOf(k, m, registry), config, this::logChange)));
            }
            byModel.put(m.id(), List.copyOf(own));
        }
        for (ModelSpec m : registry.models()) {
            if (m.isFreeVariant()) {
                freePoolGroup(m, registry)
                        .ifPresent(g -> poolGroups.put(ScopeKeys.pool(m), scopes.get(ScopeKeys.group(g))));
            }
        }
    }

    private static Budget budgetOf(String key, ModelSpec m, ModelRegistry registry) {
        if (key.equals(ScopeKeys.model(m))) {
            return m.budget();
        }
        if (key.equals(ScopeKeys.provider(m))) {
            return m.provider().budget();
        }
        return m.limitGroup()
                .filter(g -> key.equals(ScopeKeys.group(g)))
                .map(registry::groupBudget)
                .orElse(Budget.NONE);
    }

    private static RateLimits declared(String key, ModelSpec m, ModelRegistry registry) {
        if (key.equals(ScopeKeys.model(m))) {
            return m.limits();
        }
        if (key.equals(ScopeKeys.pool(m))) {
            return freePoolGroup(m, registry).map(registry::groupLimits).orElse(RateLimits.NONE);
        }
        if (key.equals(ScopeKeys.provider(m))) {
            return m.provider().limits();
        }
        return m.limitGroup()
                .filter(g -> key.equals(ScopeKeys.group(g)))
                .map(registry::groupLimits)
                .orElse(RateLimits.NONE);
    }

    /**
     * The limit group that holds every ":free" model of the model's provider, if one does: it is how models.yaml
     * declares the provider's free pool (OpenRouter's per-account limit on all its free models).
     */
    private static Optional<String> freePoolGroup(ModelSpec m, ModelRegistry registry) {
        List<ModelSpec> free = registry.models().stream()
                .filter(o -> o.isFreeVariant()
                        && o.provider().name().equals(m.provider().name()))
                .toList();
        Optional<String> group = free.get(0).limitGroup();
        return group.isPresent() && free.stream().allMatch(o -> o.limitGroup().equals(group))
                ? group
                : Optional.empty();
    }

    /** Tells the listener of every change to a scope's limit from now on. */
    public synchronized void onChange(LimitListener listener) {
        this.listener = listener;
    }

    /** When {@link #tryAcquire} would let a call on the model go, counting nothing; empty if now. */
    public synchronized Optional<Instant> waitBeforeSending(ModelSpec model, Reservation reservation, Instant now) {
        long nowMs = now.toEpochMilli();
        long at = notBefore(model, nowMs, true, reservation);
        return at > nowMs ? Optional.of(Instant.ofEpochMilli(at)) : Optional.empty();
    }

    /** The budget (the model's scopes', or the global one) with no room for the call's worst case, if one has none. */
    public synchronized Optional<Admission.OverBudget> overBudget(
            ModelSpec model, Reservation reservation, Instant now) {
        long nowMs = now.toEpochMilli();
        for (ScopeLimits s : scopesOf(model)) {
            Optional<Admission.OverBudget> over = s.overBudget(reservation, nowMs);
            if (over.isPresent()) {
                return over;
            }
        }
        return global.overBudget(reservation, nowMs);
    }

    /** The scope of the model whose limit the call can never fit in, if one is. */
    public synchronized Optional<Admission.TooLarge> tooLarge(ModelSpec model, CallCost cost) {
        for (ScopeLimits s : scopesOf(model)) {
            Optional<Admission.TooLarge> too = s.tooLarge(cost);
            if (too.isPresent()) {
                return too;
            }
        }
        return Optional.empty();
    }

    /** The windows each scope of the model paces calls by at {@code now}, in the order of {@link ScopeKeys#of}. */
    public synchronized List<ScopePace> paces(ModelSpec model, Instant now) {
        List<ScopePace> paces = new ArrayList<>(3);
        for (ScopeLimits s : scopesOf(model)) {
            paces.add(s.pace(now.toEpochMilli()));
        }
        return paces;
    }

    /** The budgets a call on the model spends from: its scopes', then the global one. */
    public synchronized List<BudgetView> budgetsOf(ModelSpec model, Instant now) {
        long nowMs = now.toEpochMilli();
        List<BudgetView> views = new ArrayList<>();
        for (ScopeLimits s : scopesOf(model)) {
            s.budgets().forEach(b -> views.add(b.view(nowMs)));
        }
        global.budgets().forEach(b -> views.add(b.view(nowMs)));
        return views;
    }

    /** What the bucket the provider told of for the unit holds on a scope, if the provider told of one. */
    public synchronized OptionalLong toldLevel(String scopeKey, Unit unit, Instant now) {
        ScopeLimits s = scopes.get(scopeKey);
        return s == null ? OptionalLong.empty() : s.toldLevel(unit, now.toEpochMilli());
    }

    /** A call another process on the same account made: counted in the model's scopes and learned from as ours. */
    public synchronized void countAnotherProcessCall(CallOutcome call) {
        List<ScopeLimits> own = byModel.get(call.modelId());
        if (own == null || call.kind() == CallOutcome.Kind.REFUSED) {
            return;
        }
        for (ScopeLimits s : own) {
            s.countAnotherProcessCall(
                    call.sentMs(), call.atMs(), call.kind() == CallOutcome.Kind.SUCCEEDED, call.cost());
        }
    }

    /** Takes the limit another process on the account learned or heard for a scope; unknown scopes are ignored. */
    public synchronized void adopt(LimitView limit, boolean confirmed, Instant now) {
        ScopeLimits s = scopes.get(limit.scope());
        if (s != null && !s.learnedToPaceBy().equals(Optional.of(limit))) {
            s.adoptFromAnotherProcess(limit, confirmed, now.toEpochMilli());
            LOG.info("limit of {} is now {} (learned by another process on the account)", s.key(), s);
        }
    }

    /** Holds a scope back until then, as another process on the account was told; unknown scopes are ignored. */
    public synchronized void coolDown(String scopeKey, Instant until) {
        ScopeLimits s = scopes.get(scopeKey);
        if (s != null) {
            s.coolDown(until.toEpochMilli());
        }
    }

    @Override
    public synchronized Admission tryAcquire(ModelSpec model, Reservation reservation, Instant now) {
        Optional<Admission.TooLarge> tooLarge = tooLarge(model, reservation.cost());
        if (tooLarge.isPresent()) {
            return tooLarge.get();
        }
        Optional<Admission.OverBudget> overBudget = overBudget(model, reservation, now);
        if (overBudget.isPresent()) {
            return overBudget.get();
        }
        long nowMs = now.toEpochMilli();
        long at = notBefore(model, nowMs, true, reservation);
        if (at > nowMs) {
            return new Admission.NotBefore(Instant.ofEpochMilli(at));
        }
        return new Admission.Granted(sendRegardless(model, reservation, now));
    }

    @Override
    public synchronized Permit sendRegardless(ModelSpec model, Reservation reservation, Instant now) {
        long id = ++nextId;
        for (ScopeLimits s : scopesOf(model)) {
            s.sent(id, now.toEpochMilli(), reservation);
        }
        global.budgets().forEach(b -> b.reserve(reservation.budgetHold(), now.toEpochMilli()));
        return new Permit(model, id, now, reservation);
    }

    @Override
    public synchronized Optional<Instant> blockedUntil(ModelSpec model, Instant now) {
        long nowMs = now.toEpochMilli();
        long at = notBefore(model, nowMs, false, Reservation.ONE_CALL);
        return at > nowMs ? Optional.of(Instant.ofEpochMilli(at)) : Optional.empty();
    }

    private long notBefore(ModelSpec model, long nowMs, boolean demand, Reservation reservation) {
        long at = nowMs;
        for (ScopeLimits s : scopesOf(model)) {
            at = Math.max(at, s.notBefore(nowMs, demand, reservation));
        }
        return at;
    }

    @Override
    public synchronized void succeeded(Permit permit, Instant at, LimitReport report, TokenUsage usage) {
        long atMs = at.toEpochMilli();
        long sentMs = permit.sentAt().toEpochMilli();
        CallCost counted = TokenRules.settle(permit.model().provider().counting(), permit.reserved(), usage);
        for (ScopeLimits s : scopesOf(permit.model())) {
            s.succeeded(permit.id(), sentMs, atMs, counted);
        }
        // a cost the answer does not tell keeps what was held for it
        spent(
                permit,
                Spending.costOf(permit.model(), usage).orElse(permit.reserved().budgetHold()),
                atMs);
        // a success's headers describe the account's limit for the model: for a :free variant, the provider's pool
        ScopeLimits target = scope(permit.model(), LimitScope.PROVIDER_FREE_POOL);
        report.requests().ifPresent(signal -> {
            target.applyHeaderSignal(signal, sentMs, atMs, true);
            Optional.ofNullable(poolGroups.get(target.key())).ifPresent(g -> g.announced(signal));
        });
        heardTokens(target, report, permit.id(), sentMs, atMs);
        if (!config.paceTokens()) {
            // paced by requests alone, a token limit that ran out holds the scope back until the provider's reset;
            // paced by tokens, its bucket holds back only what does not fit
            exhaustedTokens(report).ifPresent(until -> target.coolDown(until.toEpochMilli()));
        }
    }

    @Override
    public synchronized Instant rateLimited(
            Permit permit, Instant at, LimitScope scope, Optional<Instant> retryAt, LimitReport report) {
        long atMs = at.toEpochMilli();
        long sentMs = permit.sentAt().toEpochMilli();
        for (ScopeLimits s : scopesOf(permit.model())) {
            s.refused(permit.id(), atMs);
        }
        spent(permit, 0, atMs);
        ScopeLimits target = scope(permit.model(), scope);
        report.requests().ifPresent(signal -> target.applyHeaderSignal(signal, sentMs, atMs, false));
        heardTokens(target, report, permit.id(), sentMs, atMs);
        Optional.ofNullable(poolGroups.get(target.key())).ifPresent(ScopeLimits::forgetFixedWindows);
        int inARow = target.rateLimitsInARow(sentMs, atMs);
        // a 429 whose time to come back has passed already (it was on its way) asks for no more wait
        Instant until = retryAt.map(t -> t.isAfter(at) ? t : at).orElseGet(() -> at.plus(guess.after(inARow)));
        // a guessed cooldown tells nothing precise of the window
        long precision = retryAt.isPresent() ? report.retryAtPrecisionMs() : until.toEpochMilli() - atMs;
        // a span the provider reckoned when the call reached it ("retry after 1.9 s") is counted here from when its
        // answer was read, which is late by however long that took: to learn the window, count it from when the call
        // left, as the run's first success is counted, so the two delays on the way there cancel
        boolean relative = retryAt.isPresent() && report.retryAtRelative();
        long learnUntil = relative ? sentMs + (until.toEpochMilli() - atMs) : until.toEpochMilli();
        target.rateLimited(
                new LimitReached(sentMs, atMs, learnUntil, precision, true, relative, retryAt.isPresent()),
                until.toEpochMilli(),
                report.refusedOn().orElse(Unit.REQUESTS));
        return until;
    }

    /** What a response said of the token limits of the scope it describes. */
    private static void heardTokens(ScopeLimits target, LimitReport report, long callId, long sentMs, long atMs) {
        for (LimitSignal signal : report.signals()) {
            if (signal.unit().isTokens()) {
                target.heardTokens(signal, callId, sentMs, atMs);
            }
        }
    }

    @Override
    public synchronized void refusedAsTooLarge(Permit permit, Instant at, LimitReport report) {
        for (ScopeLimits s : scopesOf(permit.model())) {
            s.refused(permit.id(), at.toEpochMilli());
        }
        spent(permit, 0, at.toEpochMilli());
        heardTokens(
                scope(permit.model(), LimitScope.PROVIDER_FREE_POOL),
                report,
                permit.id(),
                permit.sentAt().toEpochMilli(),
                at.toEpochMilli());
    }

    @Override
    public synchronized void failed(Permit permit, Instant at) {
        for (ScopeLimits s : scopesOf(permit.model())) {
            s.failed(permit.id(), at.toEpochMilli());
        }
        // a provider may bill a call that failed: what was held for it stays spent
        spent(permit, permit.reserved().budgetHold(), at.toEpochMilli());
    }

    /** The call's cost, in pico-dollars, settles what the budgets of its scopes (and the global one) held for it. */
    private void spent(Permit permit, long cost, long atMs) {
        long held = permit.reserved().budgetHold();
        for (ScopeLimits s : scopesOf(permit.model())) {
            s.spent(held, cost, atMs);
        }
        global.spent(held, cost, atMs);
    }

    @Override
    public synchronized List<BudgetView> budgets(Instant now) {
        List<BudgetView> views = new ArrayList<>();
        long nowMs = now.toEpochMilli();
        for (ScopeLimits s : scopes.values()) {
            s.budgets().forEach(b -> views.add(b.view(nowMs)));
        }
        global.budgets().forEach(b -> views.add(b.view(nowMs)));
        return views;
    }

    @Override
    public synchronized void coolDown(ModelSpec model, LimitScope scope, Instant until) {
        scope(model, scope).coolDown(until.toEpochMilli());
    }

    @Override
    public synchronized Optional<Instant> cooldownUntil(ModelSpec model, Instant now) {
        Optional<Long> latest = Optional.empty();
        for (ScopeLimits s : scopesOf(model)) {
            Optional<Long> until = s.cooldownUntil(now.toEpochMilli());
            if (until.isPresent() && (latest.isEmpty() || until.get() > latest.get())) {
                latest = until;
            }
        }
        return latest.map(Instant::ofEpochMilli);
    }

    @Override
    public synchronized void leaveRotation(ModelSpec model, String reason) {
        gone.put(model.id(), reason);
    }

    @Override
    public synchronized Optional<String> leftRotation(ModelSpec model) {
        return Optional.ofNullable(gone.get(model.id()));
    }

    @Override
    public synchronized void refuse(String provider, String why) {
        refused.put(provider, why);
    }

    @Override
    public synchronized Optional<String> refusal(String provider) {
        return Optional.ofNullable(refused.get(provider));
    }

    @Override
    public synchronized Optional<LimitView> limitOf(ModelSpec model) {
        Optional<LimitView> slowest = Optional.empty();
        for (ScopeLimits s : scopesOf(model)) {
            Optional<LimitView> v = s.limit();
            if (v.isPresent() && (slowest.isEmpty() || ScopeLimits.rate(v.get()) < ScopeLimits.rate(slowest.get()))) {
                slowest = v;
            }
        }
        return slowest;
    }

    @Override
    public synchronized List<TokenLimitView> tokenLimitsOf(ModelSpec model, Instant now) {
        List<TokenLimitView> views = new ArrayList<>();
        for (ScopeLimits s : scopesOf(model)) {
            views.addAll(s.tokenLimits(now.toEpochMilli()));
        }
        views.sort(Comparator.comparingDouble(
                v -> v.capacity() / (double) Math.max(1, v.window().toMillis())));
        return views;
    }

    private List<ScopeLimits> scopesOf(ModelSpec model) {
        List<ScopeLimits> own = byModel.get(model.id());
        if (own == null) {
            throw new IllegalArgumentException("not a model of models.yaml: " + model.id());
        }
        return own;
    }

    private ScopeLimits scope(ModelSpec model, LimitScope scope) {
        return scopes.get(ScopeKeys.of(model, scope));
    }

    private static Optional<Instant> exhaustedTokens(LimitReport report) {
        return report.signals().stream()
                .filter(s -> !s.isRequests() && s.exhausted())
                .map(LimitSignal::resetAt)
                .flatMap(Optional::stream)
                .max(Instant::compareTo);
    }

    /** A scope learned or was told something new of its limits: said in the log, and told to the listener. */
    private void logChange(ScopeLimits scope, String why) {
        LOG.info(
                "limit of {} is now {} ({})",
                scope.key(),
                scope.limit().map(LimitView::toString).orElse("unknown"),
                why);
        scope.learnedToPaceBy().ifPresent(l -> listener.changed(l, scope.learnedIsConfirmed()));
    }
}
