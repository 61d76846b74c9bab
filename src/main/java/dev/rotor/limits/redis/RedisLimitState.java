package dev.rotor.limits.redis;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.rotor.chat.LimitScope;
import dev.rotor.chat.TokenUsage;
import dev.rotor.chat.headers.LimitReport;
import dev.rotor.limits.Admission;
import dev.rotor.limits.BudgetView;
import dev.rotor.limits.CallOutcome;
import dev.rotor.limits.InMemoryLimitState;
import dev.rotor.limits.LimitSource;
import dev.rotor.limits.LimitState;
import dev.rotor.limits.LimitView;
import dev.rotor.limits.Permit;
import dev.rotor.limits.Reservation;
import dev.rotor.limits.ScopeKeys;
import dev.rotor.limits.ScopePace;
import dev.rotor.limits.TokenLimitView;
import dev.rotor.models.ModelRegistry;
import dev.rotor.models.ModelSpec;
import dev.rotor.models.Unit;

/**
 * The limit state shared by every Rotor process that points at one Redis and prefix. Admitting a call is one atomic
 * script on Redis that checks every scope's cooldown and quota windows against the calls all processes counted, and
 * counts the call if it may go. Cooldowns only ever extend. Each process tells the others how its calls ended, so
 * each learns limits from the account's whole traffic, and publishes what it learned for the others to adopt.
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

    private static final RedisStore.Script ADMIT = RedisStore.Script.load("admit");
    private static final RedisStore.Script SETTLE = RedisStore.Script.load("settle");
    private static final RedisStore.Script LIMIT = RedisStore.Script.load("limit");

    private final InMemoryLimitState local;
    private final ModelRegistry models;
    private final StateKeys keys;
    private final String process = UUID.randomUUID().toString();
    private final ObjectMapper json = new ObjectMapper();
    /** How this process's own messages begin (a record's fields are written in order): it need not read them. */
    private final String ownMessages = "{\"process\":\"" + process + "\"";
    private final AtomicLong calls = new AtomicLong();
    /** The name each call in flight has in the shared logs, by its permit's id. */
    private final Map<Long, String> members = new ConcurrentHashMap<>();
    private final Clock clock;
    private final RedisStore store;

    public RedisLimitState(InMemoryLimitState local, ModelRegistry models, Clock clock, RedisEndpoint endpoint,
                           String password, Duration timeout, String prefix) {
        this.local = local;
        this.models = models;
        this.clock = clock;
        this.keys = new StateKeys(prefix);
        this.store = new RedisStore(endpoint, password, timeout, keys.calls(), this::heard, this::adoptPublished);
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

    @Override
    public Admission tryAcquire(ModelSpec model, Reservation reservation, Instant now) {
        Optional<Admission.TooLarge> tooLarge = local.tooLarge(model, reservation.cost());
        if (tooLarge.isPresent()) {
            return tooLarge.get();
        }
        Optional<Instant> wait = local.waitBeforeSending(model, reservation, now);
        if (wait.isPresent()) {
            return new Admission.NotBefore(wait.get());
        }
        String member = process + ":" + calls.incrementAndGet();
        List<String> scopes = ScopeKeys.of(model);
        Optional<Object> reply = store.eval(ADMIT, admitKeys(model, scopes), admitArgs(model, member, now));
        if (reply.isEmpty()) {
            return local.tryAcquire(model, reservation, now);
        }
        SharedAdmission shared = SharedAdmission.parse(reply.get(), scopes);
        learnFrom(model, shared, now);
        if (!shared.granted()) {
            return new Admission.NotBefore(shared.gone().isPresent() || shared.refused().isPresent()
                    ? now.plus(GONE_RECHECK) : Instant.ofEpochMilli(shared.notBeforeMs()));
        }
        Permit permit = local.sendRegardless(model, reservation, now);
        members.put(permit.id(), member);
        return new Admission.Granted(permit);
    }

    @Override
    public Permit sendRegardless(ModelSpec model, Reservation reservation, Instant now) {
        // a strategy that knows nothing of limits still counts for the others
        Permit permit = local.sendRegardless(model, reservation, now);
        String member = process + ":" + calls.incrementAndGet();
        members.put(permit.id(), member);
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
        settle(permit, at, CallOutcome.Kind.SUCCEEDED, Optional.empty(), Instant.MIN);
    }

    @Override
    public Instant rateLimited(Permit permit, Instant at, LimitScope scope, Optional<Instant> retryAt,
                               LimitReport report) {
        Instant until = local.rateLimited(permit, at, scope, retryAt, report);
        settle(permit, at, CallOutcome.Kind.REFUSED, Optional.of(ScopeKeys.of(permit.model(), scope)), until);
        return until;
    }

    @Override
    public void refusedAsTooLarge(Permit permit, Instant at, LimitReport report) {
        local.refusedAsTooLarge(permit, at, report);
        settle(permit, at, CallOutcome.Kind.REFUSED, Optional.empty(), Instant.MIN);
    }

    @Override
    public void failed(Permit permit, Instant at) {
        local.failed(permit, at);
        settle(permit, at, CallOutcome.Kind.FAILED, Optional.empty(), Instant.MIN);
    }

    @Override
    public void coolDown(ModelSpec model, LimitScope scope, Instant until) {
        local.coolDown(model, scope, until);
        String key = keys.cooldown(ScopeKeys.of(model, scope));
        store.evalLater(SETTLE, List.of(key), List.of("", "", "0", "0", Long.toString(until.toEpochMilli()),
                Long.toString(clock.millis()), keys.calls(), ""));
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

    @Override
    public List<BudgetView> budgets(Instant now) {
        return local.budgets(now);
    }

    private List<String> admitKeys(ModelSpec model, List<String> scopes) {
        List<String> k = new ArrayList<>(2 + 3 * scopes.size());
        k.add(keys.gone(model.id()));
        k.add(keys.refused(model.provider().name()));
        for (String s : scopes) {
            k.add(keys.cooldown(s));
            k.add(keys.log(s));
            k.add(keys.limit(s));
        }
        return k;
    }

    private List<String> admitArgs(ModelSpec model, String member, Instant now) {
        List<ScopePace> paces = local.paces(model, now);
        List<String> a = new ArrayList<>();
        a.add(Long.toString(now.toEpochMilli()));
        a.add(member);
        a.add(Long.toString(CallOutcome.SEND_SKEW_MS));
        a.add(Integer.toString(paces.size()));
        for (ScopePace p : paces) {
            // TODO tokens in the shared admission
            List<ScopePace.Quota> requests = p.quotas().stream().filter(q -> q.unit() == Unit.REQUESTS).toList();
            a.add(Integer.toString(requests.size()));
            for (ScopePace.Quota q : requests) {
                a.add(Long.toString(q.amount()));
                a.add(Long.toString(q.window().toMillis()));
                a.add(Long.toString(q.fixed() ? q.windowStartMs() : 0));
            }
        }
        return a;
    }

    /** What Redis said that this process did not know yet: cooldowns, verdicts and limits of other processes. */
    private void learnFrom(ModelSpec model, SharedAdmission shared, Instant now) {
        shared.gone().ifPresent(reason -> local.leaveRotation(model, reason));
        shared.refused().ifPresent(why -> local.refuse(model.provider().name(), why));
        for (SharedAdmission.Scope s : shared.scopes()) {
            if (s.cooldownUntilMs() > now.toEpochMilli()) {
                local.coolDown(s.key(), Instant.ofEpochMilli(s.cooldownUntilMs()));
            }
            s.published().filter(p -> !p.by().equals(process)).ifPresent(p -> local.adopt(p.limit(), p.confirmed(), now));
        }
    }

    private void settle(Permit permit, Instant at, CallOutcome.Kind kind, Optional<String> cooledScope, Instant until) {
        String member = members.remove(permit.id());
        if (member == null) {
            return;
        }
        List<String> scopes = ScopeKeys.of(permit.model());
        List<String> k = new ArrayList<>(scopes.size() + 1);
        scopes.forEach(s -> k.add(keys.log(s)));
        k.add(keys.cooldown(cooledScope.orElse(scopes.get(0))));
        long sentMs = permit.sentAt().toEpochMilli();
        long atMs = at.toEpochMilli();
        CallOutcome outcome = new CallOutcome(permit.model().id(), sentMs, atMs, kind);
        store.evalLater(SETTLE, k, List.of(member, code(kind), Long.toString(outcome.countedAtMs()),
                Integer.toString(scopes.size()),
                Long.toString(cooledScope.isPresent() ? until.toEpochMilli() : 0), Long.toString(atMs), keys.calls(),
                message(outcome)));
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

    record CallMessage(String process, CallOutcome call) {
    }

    private void heard(String message) {
        if (message.startsWith(ownMessages)) {
            return;
        }
        CallMessage m;
        try {
            m = json.readValue(message, CallMessage.class);
        } catch (JsonProcessingException e) {
            return;
        }
        if (!m.process().equals(process) && m.call() != null && models.model(m.call().modelId()).isPresent()) {
            local.foreign(m.call());
        }
    }

    private void publish(LimitView limit, boolean confirmed) {
        if (limit.source() == LimitSource.DECLARED) {
            return;
        }
        store.evalLater(LIMIT, List.of(keys.limit(limit.scope())), List.of(Integer.toString(limit.requests()),
                Long.toString(limit.window().toMillis()), limit.source().name(), confirmed ? "1" : "0", process,
                Long.toString(SHARED_LIMIT.toMillis())));
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
