package dev.rotor.limits.redis;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.chat.LimitScope;
import dev.rotor.chat.TokenUsage;
import dev.rotor.chat.headers.LimitReport;
import dev.rotor.chat.headers.LimitSignal;
import dev.rotor.limits.Admission;
import dev.rotor.limits.BudgetView;
import dev.rotor.limits.CallCost;
import dev.rotor.limits.CallOutcome;
import dev.rotor.limits.InMemoryLimitState;
import dev.rotor.limits.LimitSource;
import dev.rotor.limits.LimitState;
import dev.rotor.limits.LimitView;
import dev.rotor.limits.Permit;
import dev.rotor.limits.Reservation;
import dev.rotor.limits.ScopeKeys;
import dev.rotor.limits.ScopePace;
import dev.rotor.limits.Spending;
import dev.rotor.limits.TokenLimitView;
import dev.rotor.limits.TokenRules;
import dev.rotor.models.Budget;
import dev.rotor.models.ModelRegistry;
import dev.rotor.models.ModelSpec;
import dev.rotor.models.Unit;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The limit state shared by every Rotor process that points at one Redis and prefix. Admitting a call is one atomic
 * script on Redis that checks every scope's cooldown, request quotas, token buckets and budgets against what all
 * processes counted, took and spent, and if the call may go counts it, takes its tokens and holds its worst cost, in
 * one round trip. Its answer settles them (one script, on the writer thread). Cooldowns only ever extend. Each process
 * tells the others how its calls ended, so each learns limits from the account's whole traffic, and publishes what it
 * learned for the others to adopt.
 *
 * <p>This process's own {@link InMemoryLimitState} learns, holds slow start, and is what Rotor runs on while Redis is
 * out of reach (fail-open: then processes may overshoot the account's limits until it is back).
 */
public final class RedisLimitState implements LimitState, AutoCloseable {

    /** A 404 or a refused key is shared this long: long enough for a batch, short enough to notice a fix. */
    static final Duration SHARED_VERDICT = Duration.ofDays(1);
    /** A published limit is kept this long after its last change. */
    static final Duration SHARED_LIMIT = Duration.ofDays(1);

    private static final Duration GONE_RECHECK = Duration.ofMinutes(1);
    /** How long the shared log of a scope no quota paces keeps a call sent regardless of limits. */
    private static final Duration UNPACED_LOG = Duration.ofMinutes(10);

    /** A call's held worst cost counts this long at most when its process never settled it: it died on the way. */
    static final Duration HELD_STALE = Duration.ofMinutes(10);
    /** A budget's spend in a window is kept this long past the window's end, for the status page and for people. */
    private static final Duration SPENT_KEPT = Duration.ofDays(1);

    private final InMemoryLimitState local;
    private final ModelRegistry models;
    private final StateKeys keys;
    private final String process = UUID.randomUUID().toString();
    private final ObjectMapper json = new ObjectMapper();
    /** How this process's own messages begin (a record's fields are written in order): it need not read them. */
    private final String ownMessages = "{\"process\":\"" + process + "\"";

    private final AtomicLong calls = new AtomicLong();
    /** Each call on its way, by its permit's id: its name in the shared logs, and what it took and holds there. */
    private final Map<Long, Admitted> admitted = new ConcurrentHashMap<>();

    private final Clock clock;
    private final RedisStore store;

    public RedisLimitState(
            InMemoryLimitState local,
            ModelRegistry models,
            Clock clock,
            RedisEndpoint endpoint,
            String password,
            Duration timeout,
            String prefix) {
        this.local = local;
        this.models = models;
        this.clock = clock;
        this.keys = new StateKeys(prefix);
        this.store = new RedisStore(
                endpoint, password, timeout, keys.calls(), this::onAnotherProcessCall, this::adoptPublished);
        local.onChange(this::publish);
        store.start();
    }

    /** True while Redis is out of reach and this process paces on its own view. */
    @Override
    public boolean degraded() {
        return store.degraded();
    }

    public String process() {
        return process;
    }

    /** The connection to Redis, for the other state kept there beside the limits (the answer cache). */
    public RedisStore store() {
        return store;
    }

    /** A call Redis let go: its member name, and the scopes and budgets it counts in, as it was admitted. */
    private record Admitted(
            String member, List<AdmitCall.Scope> scopes, List<AdmitCall.Spend> budgets, List<Budget.Window> windows) {}

    @Override
    public Admission tryAcquire(ModelSpec model, Reservation reservation, Instant now) {
        Optional<Admission.TooLarge> tooLarge = local.tooLarge(model, reservation.cost());
        if (tooLarge.isPresent()) {
            return tooLarge.get();
        }
        // what this process alone knows holds the call back already: no need to ask
        Optional<Admission.OverBudget> overBudget = local.overBudget(model, reservation, now);
        if (overBudget.isPresent()) {
            return overBudget.get();
        }
        Optional<Instant> wait = local.waitBeforeSending(model, reservation, now);
        if (wait.isPresent()) {
            return new Admission.NotBefore(wait.get());
        }
        String member = process + ":" + calls.incrementAndGet();
        List<String> scopes = ScopeKeys.of(model);
        List<BudgetView> budgets = local.budgetsOf(model, now);
        AdmitCall call = admitCall(model, reservation, member, budgets, now);
        Optional<Object> reply = store.eval(call);
        if (reply.isEmpty()) {
            return local.tryAcquire(model, reservation, now);
        }
        SharedAdmission shared = SharedAdmission.parse(reply.get(), scopes);
        learnFrom(model, shared, now);
        if (!shared.granted()) {
            if (shared.gone().isPresent() || shared.refused().isPresent()) {
                return new Admission.NotBefore(now.plus(GONE_RECHECK));
            }
            Instant until = Instant.ofEpochMilli(shared.notBeforeMs());
            return shared.overBudget() > 0
                    ? new Admission.OverBudget(
                            budgets.get(shared.overBudget() - 1).scope(), until, false)
                    : new Admission.NotBefore(until);
        }
        Permit permit = local.sendRegardless(model, reservation, now);
        admitted.put(
                permit.id(),
                new Admitted(
                        member,
                        call.scopes(),
                        call.budgets(),
                        budgets.stream().map(BudgetView::window).toList()));
        return new Admission.Granted(permit);
    }

    @Override
    public Permit sendRegardless(ModelSpec model, Reservation reservation, Instant now) {
        // a strategy that knows nothing of limits still counts for the others
        Permit permit = local.sendRegardless(model, reservation, now);
        String member = process + ":" + calls.incrementAndGet();
        admitted.put(permit.id(), new Admitted(member, List.of(), List.of(), List.of()));
        long score = now.toEpochMilli() + CallOutcome.SEND_SKEW_MS;
        store.later(c -> ScopeKeys.of(model).forEach(s -> {
            c.zadd(keys.log(s), score, member);
            c.pexpire(keys.log(s), UNPACED_LOG.toMillis());
        }));
        return permit;
    }

    @Override
    public Optional<Instant> blockedUntil(ModelSpec model, Instant now) {
        return local.blockedUntil(model, now);
    }

    @Override
    public void succeeded(Permit permit, Instant at, LimitReport report, TokenUsage usage) {
        local.succeeded(permit, at, report, usage);
        CallCost counted = TokenRules.settle(permit.model().provider().counting(), permit.reserved(), usage);
        long cost =
                Spending.costOf(permit.model(), usage).orElse(permit.reserved().budgetHold());
        settle(
                permit,
                at,
                CallOutcome.Kind.SUCCEEDED,
                counted,
                cost,
                Optional.empty(),
                Instant.MIN,
                told(permit.model(), LimitScope.PROVIDER_FREE_POOL, report, at));
    }

    @Override
    public Instant rateLimited(
            Permit permit, Instant at, LimitScope scope, Optional<Instant> retryAt, LimitReport report) {
        Instant until = local.rateLimited(permit, at, scope, retryAt, report);
        settle(
                permit,
                at,
                CallOutcome.Kind.REFUSED,
                CallCost.ONE_CALL,
                0,
                Optional.of(ScopeKeys.of(permit.model(), scope)),
                until,
                told(permit.model(), scope, report, at));
        return until;
    }

    @Override
    public void refusedAsTooLarge(Permit permit, Instant at, LimitReport report) {
        local.refusedAsTooLarge(permit, at, report);
        settle(permit, at, CallOutcome.Kind.REFUSED, CallCost.ONE_CALL, 0, Optional.empty(), Instant.MIN, Map.of());
    }

    @Override
    public void failed(Permit permit, Instant at) {
        local.failed(permit, at);
        // a provider may count and bill a call that failed: it keeps what it took and held
        settle(
                permit,
                at,
                CallOutcome.Kind.FAILED,
                permit.reserved().cost(),
                permit.reserved().budgetHold(),
                Optional.empty(),
                Instant.MIN,
                Map.of());
    }

    @Override
    public void coolDown(ModelSpec model, LimitScope scope, Instant until) {
        local.coolDown(model, scope, until);
        store.evalLater(SettleCall.coolDown(
                keys.cooldown(ScopeKeys.of(model, scope)), until.toEpochMilli(), clock.millis(), keys.calls()));
    }

    @Override
    public Optional<Instant> cooldownUntil(ModelSpec model, Instant now) {
        return local.cooldownUntil(model, now);
    }

    @Override
    public void leaveRotation(ModelSpec model, String reason) {
        local.leaveRotation(model, reason);
        store.later(c -> c.psetex(keys.gone(model.id()), SHARED_VERDICT.toMillis(), reason));
    }

    @Override
    public Optional<String> leftRotation(ModelSpec model) {
        return local.leftRotation(model);
    }

    @Override
    public void refuse(String provider, String why) {
        local.refuse(provider, why);
        store.later(c -> c.psetex(keys.refused(provider), SHARED_VERDICT.toMillis(), why));
    }

    @Override
    public Optional<String> refusal(String provider) {
        return local.refusal(provider);
    }

    @Override
    public Optional<LimitView> limitOf(ModelSpec model) {
        return local.limitOf(model);
    }

    @Override
    public List<TokenLimitView> tokenLimitsOf(ModelSpec model, Instant now) {
        return local.tokenLimitsOf(model, now);
    }

    /** Each budget as the account stands: what every process spent and holds, while Redis can say. */
    @Override
    public List<BudgetView> budgets(Instant now) {
        List<BudgetView> own = local.budgets(now);
        List<BudgetView> shared = new ArrayList<>(own.size());
        for (BudgetView b : own) {
            long startMs = b.window().start(now).toEpochMilli();
            Optional<Long> spent = store.call(c -> {
                long settled = Optional.ofNullable(
                                c.get(keys.spent(b.scope(), b.window().label(), startMs)))
                        .map(Long::parseLong)
                        .orElse(0L);
                return settled + heldSum(c.hvals(keys.held(b.scope())), now.toEpochMilli());
            });
            shared.add(spent.map(s -> new BudgetView(b.scope(), b.window(), b.capPicoUsd(), s, b.resetsAt()))
                    .orElse(b));
        }
        return shared;
    }

    /** What the calls on their way hold, as admit.lua reckons it: entries of worst:sent, the stale ones not counted. */
    private static long heldSum(List<String> entries, long nowMs) {
        long sum = 0;
        for (String e : entries) {
            int colon = e.indexOf(':');
            if (colon > 0 && Long.parseLong(e.substring(colon + 1)) >= nowMs - HELD_STALE.toMillis()) {
                sum += Long.parseLong(e.substring(0, colon));
            }
        }
        return sum;
    }

    private AdmitCall admitCall(
            ModelSpec model, Reservation reservation, String member, List<BudgetView> budgets, Instant now) {
        List<AdmitCall.Scope> scopes = new ArrayList<>();
        for (ScopePace p : local.paces(model, now)) {
            List<ScopePace.Quota> requests =
                    p.quotas().stream().filter(q -> q.unit() == Unit.REQUESTS).toList();
            List<AdmitCall.Take> takes = p.buckets().stream()
                    .map(b -> new AdmitCall.Take(b, reservation.cost().of(b.unit())))
                    .toList();
            scopes.add(new AdmitCall.Scope(
                    p.scope(),
                    keys.cooldown(p.scope()),
                    keys.log(p.scope()),
                    keys.limit(p.scope()),
                    keys.tokens(p.scope()),
                    requests,
                    takes));
        }
        List<AdmitCall.Spend> spends = new ArrayList<>();
        for (BudgetView b : budgets) {
            spends.add(new AdmitCall.Spend(
                    b.scope(),
                    keys.spent(
                            b.scope(), b.window().label(), b.window().start(now).toEpochMilli()),
                    keys.held(b.scope()),
                    b.capPicoUsd(),
                    reservation.budgetHold(),
                    b.resetsAt().toEpochMilli()));
        }
        return new AdmitCall(
                now.toEpochMilli(),
                member,
                CallOutcome.SEND_SKEW_MS,
                HELD_STALE.toMillis(),
                BudgetView.RECHECK_MS,
                keys.gone(model.id()),
                keys.refused(model.provider().name()),
                scopes,
                spends);
    }

    /**
     * The levels this process reckons for the token buckets a provider's remaining counts told of, on the scope the
     * answer describes, by bucket name.
     */
    private Map<String, Long> told(ModelSpec model, LimitScope scope, LimitReport report, Instant at) {
        String scopeKey = ScopeKeys.of(model, scope);
        Map<String, Long> levels = new HashMap<>();
        for (LimitSignal signal : report.signals()) {
            if (signal.unit().isTokens() && signal.remaining().isPresent()) {
                local.toldLevel(scopeKey, signal.unit(), at)
                        .ifPresent(level ->
                                levels.put(scopeKey + "|" + signal.unit().label(), level));
            }
        }
        return levels;
    }

    /** What Redis said that this process did not know yet: cooldowns, verdicts and limits of other processes. */
    private void learnFrom(ModelSpec model, SharedAdmission shared, Instant now) {
        shared.gone().ifPresent(reason -> local.leaveRotation(model, reason));
        shared.refused().ifPresent(why -> local.refuse(model.provider().name(), why));
        for (SharedAdmission.Scope s : shared.scopes()) {
            if (s.cooldownUntilMs() > now.toEpochMilli()) {
                local.coolDown(s.key(), Instant.ofEpochMilli(s.cooldownUntilMs()));
            }
            s.published()
                    .filter(p -> !p.by().equals(process))
                    .ifPresent(p -> local.adopt(p.limit(), p.confirmed(), now));
        }
    }

    /**
     * Settles a call on Redis as it was admitted there: {@code counted} what its provider counted of its tokens,
     * {@code cost} what it cost (pico-dollars), {@code anchors} the levels remaining counts told of, by scope|unit.
     */
    private void settle(
            Permit permit,
            Instant at,
            CallOutcome.Kind kind,
            CallCost counted,
            long cost,
            Optional<String> cooledScope,
            Instant until,
            Map<String, Long> anchors) {
        Admitted call = admitted.remove(permit.id());
        if (call == null) {
            return;
        }
        List<String> scopeKeys = ScopeKeys.of(permit.model());
        List<SettleCall.Scope> scopes = new ArrayList<>(scopeKeys.size());
        for (String scope : scopeKeys) {
            List<SettleCall.Refund> refunds = new ArrayList<>();
            call.scopes().stream()
                    .filter(s -> s.key().equals(scope))
                    .flatMap(s -> s.takes().stream())
                    .forEach(t -> {
                        Long anchor =
                                anchors.get(scope + "|" + t.bucket().unit().label());
                        boolean told = !t.bucket().name().contains("/");
                        refunds.add(new SettleCall.Refund(
                                t.bucket(),
                                t.need() - counted.of(t.bucket().unit()),
                                anchor != null && told ? OptionalLong.of(anchor) : OptionalLong.empty()));
                    });
            scopes.add(new SettleCall.Scope(keys.log(scope), keys.tokens(scope), refunds));
        }
        List<SettleCall.Spend> budgets = new ArrayList<>(call.budgets().size());
        for (int i = 0; i < call.budgets().size(); i++) {
            AdmitCall.Spend held = call.budgets().get(i);
            Budget.Window window = call.windows().get(i);
            // what it cost counts in the window it ended in
            budgets.add(new SettleCall.Spend(
                    keys.spent(held.scope(), window.label(), window.start(at).toEpochMilli()),
                    held.heldKey(),
                    cost,
                    window.end(at).plus(SPENT_KEPT).toEpochMilli()));
        }
        long sentMs = permit.sentAt().toEpochMilli();
        long atMs = at.toEpochMilli();
        CallOutcome outcome = new CallOutcome(permit.model().id(), sentMs, atMs, kind, counted);
        store.evalLater(new SettleCall(
                call.member(),
                code(kind),
                outcome.countedAtMs(),
                atMs,
                keys.cooldown(cooledScope.orElse(scopeKeys.get(0))),
                cooledScope.isPresent() ? until.toEpochMilli() : 0,
                keys.calls(),
                message(outcome),
                scopes,
                budgets));
    }

    private static String code(CallOutcome.Kind kind) {
        return switch (kind) {
            case SUCCEEDED -> "S";
            case FAILED -> "F";
            case REFUSED -> "R";
        };
    }

    /** What other processes hear of a call: its model and times, never its task or prompt. */
    private String message(CallOutcome outcome) {
        try {
            return json.writeValueAsString(new CallMessage(process, outcome));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    record CallMessage(String process, CallOutcome call) {}

    private void onAnotherProcessCall(String message) {
        if (message.startsWith(ownMessages)) {
            return;
        }
        CallMessage m;
        try {
            m = json.readValue(message, CallMessage.class);
        } catch (JsonProcessingException e) {
            return;
        }
        if (!m.process().equals(process)
                && m.call() != null
                && models.model(m.call().modelId()).isPresent()) {
            local.countAnotherProcessCall(m.call());
        }
    }

    private void publish(LimitView limit, boolean confirmed) {
        if (limit.source() == LimitSource.DECLARED) {
            return;
        }
        store.evalLater(
                new PublishLimitCall(keys.limit(limit.scope()), limit, confirmed, process, SHARED_LIMIT.toMillis()));
    }

    /** At the first connection and after each outage: take up what other processes learned meanwhile. */
    private void adoptPublished() {
        Instant now = clock.instant();
        for (ModelSpec m : models.models()) {
            for (String scope : ScopeKeys.of(m)) {
                store.call(c -> c.hgetAll(keys.limit(scope)))
                        .flatMap(fields -> SharedAdmission.Published.of(scope, fields))
                        .filter(p -> !p.by().equals(process))
                        .ifPresent(p -> local.adopt(p.limit(), p.confirmed(), now));
            }
        }
    }

    @Override
    public void close() {
        store.close();
    }
}
