package dev.rotor.limits.redis;

import dev.rotor.limits.LimitView;
import java.util.List;

/** limit.lua, once: what one process learned or heard of a scope's request limit, for the others to adopt. */
record PublishLimitCall(String limitKey, LimitView limit, boolean confirmed, String by, long keepMs)
        implements ScriptCall {

    static final RedisStore.Script SCRIPT = RedisStore.Script.load("limit");

    @Override
    public RedisStore.Script script() {
        return SCRIPT;
    }

    @Override
    public List<Arg> keys() {
        return List.of(new Arg("limit", limitKey));
    }

    @Override
    public List<Arg> args() {
        return List.of(
                Arg.of("requests", limit.requests()),
                Arg.of("window", limit.window().toMillis()),
                new Arg("source", limit.source().name()),
                new Arg("confirmed", confirmed ? "1" : "0"),
                new Arg("by", by),
                Arg.of("keep", keepMs));
    }
}
