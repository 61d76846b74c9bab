package dev.rotor.limits.redis;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.limits.LimitSource;
import dev.rotor.limits.LimitView;
import dev.rotor.limits.ScopePace;
import dev.rotor.models.Unit;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Each Java type of a script call gives its keys and arguments in the order its Lua script reads them: the script's
 * {@code --@keys} and {@code --@argv} lines name them, {@code [...]*n} repeating a group as many times as the last
 * argument named n says.
 */
class ScriptProtocolTest {

    private static final ScopePace.Bucket DECLARED =
            new ScopePace.Bucket("tokens/60000", Unit.TOKENS, 12_000, Duration.ofMinutes(1));
    private static final ScopePace.Bucket TOLD =
            new ScopePace.Bucket("output-tokens", Unit.OUTPUT_TOKENS, 8_000, Duration.ofSeconds(10));

    @Test
    void shouldGiveAdmitsKeysAndArgumentsInTheOrderTheScriptReadsThem() {
        AdmitCall call = new AdmitCall(
                1_000,
                "p:1",
                100,
                600_000,
                250,
                "gone:m",
                "refused:p",
                List.of(
                        new AdmitCall.Scope(
                                "model:m",
                                "cool:a",
                                "log:a",
                                "limit:a",
                                "tokens:a",
                                List.of(
                                        new ScopePace.Quota(Unit.REQUESTS, 3, Duration.ofSeconds(10), Long.MIN_VALUE),
                                        new ScopePace.Quota(Unit.REQUESTS, 100, Duration.ofDays(1), 500)),
                                List.of(new AdmitCall.Take(DECLARED, 900))),
                        new AdmitCall.Scope(
                                "group:g",
                                "cool:b",
                                "log:b",
                                "limit:b",
                                "tokens:b",
                                List.of(),
                                List.of(new AdmitCall.Take(DECLARED, 900), new AdmitCall.Take(TOLD, 300)))),
                List.of(
                        new AdmitCall.Spend("model:m", "spent:a", "held:a", 10, 2, 3),
                        new AdmitCall.Spend("all", "spent:all", "held:all", 10, 2, 3)));

        assertFollowsScript(call);
    }

    @Test
    void shouldGiveSettlesKeysAndArgumentsInTheOrderTheScriptReadsThem() {
        SettleCall call = new SettleCall(
                "p:1",
                "S",
                1_100,
                1_200,
                "cool:a",
                0,
                "calls",
                "{}",
                List.of(
                        new SettleCall.Scope(
                                "log:a",
                                "tokens:a",
                                List.of(new SettleCall.Refund(DECLARED, 50, OptionalLong.empty()))),
                        new SettleCall.Scope(
                                "log:b",
                                "tokens:b",
                                List.of(
                                        new SettleCall.Refund(DECLARED, 50, OptionalLong.empty()),
                                        new SettleCall.Refund(TOLD, 0, OptionalLong.of(4_000)))),
                        new SettleCall.Scope("log:c", "tokens:c", List.of())),
                List.of(new SettleCall.Spend("spent:a", "held:a", 7, 9)));

        assertFollowsScript(call);
        assertFollowsScript(SettleCall.coolDown("cool:a", 5_000, 1_000, "calls"));
    }

    @Test
    void shouldGivePublishedLimitsKeysAndArgumentsInTheOrderTheScriptReadsThem() {
        assertFollowsScript(new PublishLimitCall(
                "limit:a",
                new LimitView("model:m", 3, Duration.ofSeconds(10), LimitSource.LEARNED),
                true,
                "p",
                86_400_000));
    }

    private static void assertFollowsScript(ScriptCall call) {
        String script = call.script().text();
        Map<String, String> counts = new HashMap<>();
        List<String> argNames = expand(spec(script, "argv"), call.args(), counts);
        assertThat(call.args().stream().map(ScriptCall.Arg::name).toList())
                .as(call.script().name() + " ARGV")
                .isEqualTo(argNames);
        List<String> keyNames = expand(spec(script, "keys"), call.keys(), new HashMap<>(counts));
        assertThat(call.keys().stream().map(ScriptCall.Arg::name).toList())
                .as(call.script().name() + " KEYS")
                .isEqualTo(keyNames);
    }

    private static List<String> spec(String script, String which) {
        Matcher m = Pattern.compile("(?m)^--@" + which + " (.*)$").matcher(script);
        assertThat(m.find()).as("the script names its " + which).isTrue();
        return List.of(m.group(1).replace("[", " [ ").replace("]", " ] ").trim().split("\\s+"));
    }

    /**
     * The names the spec gives, in order, for the call's values: a group repeats as often as the value of its count
     * (the last value so named) says. {@code counts} gets every name's last value.
     */
    private static List<String> expand(List<String> spec, List<ScriptCall.Arg> values, Map<String, String> counts) {
        List<String> names = new ArrayList<>();
        expand(spec, 0, spec.size(), values, names, counts);
        return names;
    }

    private static void expand(
            List<String> spec,
            int from,
            int to,
            List<ScriptCall.Arg> values,
            List<String> names,
            Map<String, String> counts) {
        int i = from;
        while (i < to) {
            String token = spec.get(i);
            if (token.equals("[")) {
                int close = closing(spec, i);
                String count = spec.get(close + 1).substring(1);
                int times = Integer.parseInt(counts.getOrDefault(count, "0"));
                for (int t = 0; t < times; t++) {
                    expand(spec, i + 1, close, values, names, counts);
                }
                i = close + 2;
            } else {
                if (names.size() < values.size()) {
                    counts.put(token, values.get(names.size()).value());
                }
                names.add(token);
                i++;
            }
        }
    }

    private static int closing(List<String> spec, int open) {
        int depth = 0;
        for (int i = open; i < spec.size(); i++) {
            depth += spec.get(i).equals("[") ? 1 : spec.get(i).equals("]") ? -1 : 0;
            if (depth == 0) {
                return i;
            }
        }
        throw new IllegalArgumentException("an unclosed group in " + spec);
    }
}
