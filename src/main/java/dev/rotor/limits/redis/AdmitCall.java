package dev.rotor.limits.redis;

import dev.rotor.limits.ScopePace;
import java.util.ArrayList;
import java.util.List;

/**
 * admit.lua, once: may a call on a model leave now? It may when no verdict keeps the model out, no scope cools, every
 * request quota has room, every token bucket holds what the call needs (and a margin), and every budget holds its worst
 * case besides what was spent and what calls on their way hold. If it may, the call is counted, its tokens taken and
 * its worst case held, all in one step for every process on the account.
 *
 * @param staleMs how long a call's held worst case counts at most, when its process never settled it (it died)
 * @param recheckMs how soon to look again when only calls on their way hold a budget's room
 */
record AdmitCall(
        long nowMs,
        String member,
        long skewMs,
        long staleMs,
        long recheckMs,
        String goneKey,
        String refusedKey,
        List<Scope> scopes,
        List<Spend> budgets)
        implements ScriptCall {

    static final RedisStore.Script SCRIPT = RedisStore.Script.load("admit");

    /**
     * A scope of the model: its keys, the request quotas that pace it, and what the call takes of each token bucket.
     */
    record Scope(
            String key,
            String coolKey,
            String logKey,
            String limitKey,
            String tokensKey,
            List<ScopePace.Quota> requests,
            List<Take> takes) {}

    /** The tokens a call needs of one bucket. */
    record Take(ScopePace.Bucket bucket, long need) {}

    /** A budget the call spends from, the most it can cost, and when the budget's window ends. */
    record Spend(String scope, String spentKey, String heldKey, long capPicoUsd, long worstPicoUsd, long windowEndMs) {}

    @Override
    public RedisStore.Script script() {
        return SCRIPT;
    }

    @Override
    public List<Arg> keys() {
        List<Arg> k = new ArrayList<>();
        k.add(new Arg("gone", goneKey));
        k.add(new Arg("refused", refusedKey));
        for (Scope s : scopes) {
            k.add(new Arg("cool", s.coolKey()));
            k.add(new Arg("log", s.logKey()));
            k.add(new Arg("limit", s.limitKey()));
            k.add(new Arg("tokens", s.tokensKey()));
        }
        for (Spend b : budgets) {
            k.add(new Arg("spent", b.spentKey()));
            k.add(new Arg("held", b.heldKey()));
        }
        return k;
    }

    @Override
    public List<Arg> args() {
        List<Arg> a = new ArrayList<>();
        a.add(Arg.of("now", nowMs));
        a.add(new Arg("member", member));
        a.add(Arg.of("skew", skewMs));
        a.add(Arg.of("stale", staleMs));
        a.add(Arg.of("recheck", recheckMs));
        a.add(Arg.of("scopes", scopes.size()));
        for (Scope s : scopes) {
            a.add(Arg.of("quotas", s.requests().size()));
            for (ScopePace.Quota q : s.requests()) {
                a.add(Arg.of("requests", q.amount()));
                a.add(Arg.of("window", q.window().toMillis()));
                a.add(Arg.of("start", q.fixed() ? q.windowStartMs() : 0));
            }
            a.add(Arg.of("buckets", s.takes().size()));
            for (Take t : s.takes()) {
                a.add(new Arg("bucket", t.bucket().name()));
                a.add(Arg.of("capacity", t.bucket().capacity()));
                a.add(Arg.of("window", t.bucket().window().toMillis()));
                a.add(Arg.of("need", t.need()));
                a.add(Arg.of("margin", t.bucket().margin(t.need())));
            }
        }
        a.add(Arg.of("budgets", budgets.size()));
        for (Spend b : budgets) {
            a.add(Arg.of("cap", b.capPicoUsd()));
            a.add(Arg.of("worst", b.worstPicoUsd()));
            a.add(Arg.of("window_end", b.windowEndMs()));
        }
        return a;
    }
}
