package dev.rotor.limits.redis;

import java.util.List;

/**
 * One call of one of the shared state's Lua scripts, typed: its keys and arguments in the order the script reads them,
 * each with the name the script's {@code --@keys} and {@code --@argv} lines give it (a test holds the two to the same
 * order).
 */
interface ScriptCall {

    /** A key or an argument, named as the script names it. */
    record Arg(String name, String value) {

        static Arg of(String name, long value) {
            return new Arg(name, Long.toString(value));
        }
    }

    RedisStore.Script script();

    List<Arg> keys();

    List<Arg> args();

    default List<String> keyValues() {
        return keys().stream().map(Arg::value).toList();
    }

    default List<String> argValues() {
        return args().stream().map(Arg::value).toList();
    }
}
