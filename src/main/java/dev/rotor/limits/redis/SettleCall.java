package dev.rotor.limits.redis;

import dev.rotor.limits.ScopePace;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;

/**
 * settle.lua, once: a call's answer came. It counts in its scopes' logs from when the provider can last have counted
 * it, or not at all if refused; its token buckets get back what it reserved and was not counted, and drop to what the
 * provider said remains; its budgets let go of its worst case and count what it cost. A scope it cooled cools for every
 * process, only ever longer; other processes are told.
 *
 * @param kind S succeeded, F failed, R refused, '' for a cooldown alone
 */
record SettleCall(
        String member,
        String kind,
        long countedAtMs,
        long nowMs,
        String coolKey,
        long coolUntilMs,
        String channel,
        String message,
        List<Scope> scopes,
        List<Spend> budgets)
        implements ScriptCall {

    static final RedisStore.Script SCRIPT = RedisStore.Script.load("settle");

    /** A scope of the call: its log, and what each token bucket it took from gets back. */
    record Scope(String logKey, String tokensKey, List<Refund> refunds) {}

    /**
     * What one bucket gets back ({@code refund}: reserved less counted), and, when the provider said what remains, the
     * level this process reckons from it: the bucket drops to it, never rises to it (other processes' calls on their
     * way are not in this process's reckoning).
     */
    record Refund(ScopePace.Bucket bucket, long refund, OptionalLong anchor) {}

    /** A budget the call held its worst case in: what it cost, counted in the window it ended in. */
    record Spend(String spentKey, String heldKey, long costPicoUsd, long expireAtMs) {}

    /** A cooldown another part of Rotor set, shared with no call to settle. */
    static SettleCall coolDown(String coolKey, long untilMs, long nowMs, String channel) {
        return new SettleCall("", "", 0, nowMs, coolKey, untilMs, channel, "", List.of(), List.of());
    }

    @Override
    public RedisStore.Script script() {
        return SCRIPT;
    }

    @Override
    public List<Arg> keys() {
        List<Arg> k = new ArrayList<>();
        for (Scope s : scopes) {
            k.add(new Arg("log", s.logKey()));
            k.add(new Arg("tokens", s.tokensKey()));
        }
        k.add(new Arg("cool", coolKey));
        for (Spend b : budgets) {
            k.add(new Arg("spent", b.spentKey()));
            k.add(new Arg("held", b.heldKey()));
        }
        return k;
    }

    @Override
    public List<Arg> args() {
        List<Arg> a = new ArrayList<>();
        a.add(new Arg("member", member));
        a.add(new Arg("kind", kind));
        a.add(Arg.of("counted_at", countedAtMs));
        a.add(Arg.of("now", nowMs));
        a.add(Arg.of("cool_until", coolUntilMs));
        a.add(new Arg("channel", channel));
        a.add(new Arg("message", message));
        a.add(Arg.of("scopes", scopes.size()));
        for (Scope s : scopes) {
            a.add(Arg.of("buckets", s.refunds().size()));
            for (Refund r : s.refunds()) {
                a.add(new Arg("bucket", r.bucket().name()));
                a.add(Arg.of("capacity", r.bucket().capacity()));
                a.add(Arg.of("window", r.bucket().window().toMillis()));
                a.add(Arg.of("refund", r.refund()));
                a.add(new Arg(
                        "anchor",
                        r.anchor().isPresent() ? Long.toString(r.anchor().getAsLong()) : ""));
            }
        }
        a.add(Arg.of("budgets", budgets.size()));
        for (Spend b : budgets) {
            a.add(Arg.of("cost", b.costPicoUsd()));
            a.add(Arg.of("expire_at", b.expireAtMs()));
        }
        return a;
    }
}
