package dev.rotor.limits.redis;

import dev.rotor.limits.LimitSource;
import dev.rotor.limits.LimitView;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The admission script's reply: whether the call may go, and what Redis knows of the model's scopes; {@code overBudget}
 * is the place (from 1) of the call's first budget that had no room for it, 0 if none.
 */
record SharedAdmission(
        boolean granted,
        long notBeforeMs,
        Optional<String> gone,
        Optional<String> refused,
        int overBudget,
        List<Scope> scopes) {

    /** A scope's shared cooldown (0 if none) and the limit a process published for it, if any. */
    record Scope(String key, long cooldownUntilMs, Optional<Published> published) {}

    /** A limit one process learned or heard, for the others to adopt. */
    record Published(LimitView limit, boolean confirmed, String by) {

        static Optional<Published> of(String scope, Map<String, String> fields) {
            return of(
                    scope,
                    fields.getOrDefault("requests", "0"),
                    fields.getOrDefault("window_ms", "0"),
                    fields.getOrDefault("source", ""),
                    fields.getOrDefault("confirmed", "0"),
                    fields.getOrDefault("by", ""));
        }

        static Optional<Published> of(
                String scope, String requests, String windowMs, String source, String confirmed, String by) {
            try {
                int r = Integer.parseInt(requests);
                long w = Long.parseLong(windowMs);
                if (r <= 0 || w <= 0 || by.isEmpty()) {
                    return Optional.empty();
                }
                return Optional.of(new Published(
                        new LimitView(scope, r, Duration.ofMillis(w), LimitSource.valueOf(source)),
                        confirmed.equals("1"),
                        by));
            } catch (IllegalArgumentException e) {
                // written by another version, or by hand: not a figure to pace by
                return Optional.empty();
            }
        }
    }

    private static final int FIXED = 5;
    private static final int PER_SCOPE = 6;

    static SharedAdmission parse(Object reply, List<String> scopeKeys) {
        List<?> r = (List<?>) reply;
        if (r.size() != FIXED + PER_SCOPE * scopeKeys.size()) {
            throw new IllegalStateException(
                    "the admission script answered " + r.size() + " values for " + scopeKeys.size() + " scopes");
        }
        List<Scope> scopes = new ArrayList<>(scopeKeys.size());
        for (int i = 0; i < scopeKeys.size(); i++) {
            int at = FIXED + PER_SCOPE * i;
            String key = scopeKeys.get(i);
            scopes.add(new Scope(
                    key,
                    number(r.get(at)),
                    Published.of(
                            key,
                            text(r.get(at + 1)),
                            text(r.get(at + 2)),
                            text(r.get(at + 3)),
                            text(r.get(at + 4)),
                            text(r.get(at + 5)))));
        }
        return new SharedAdmission(
                number(r.get(0)) == 1,
                number(r.get(1)),
                present(text(r.get(2))),
                present(text(r.get(3))),
                (int) number(r.get(4)),
                List.copyOf(scopes));
    }

    private static Optional<String> present(String s) {
        return s.isEmpty() ? Optional.empty() : Optional.of(s);
    }

    private static long number(Object o) {
        return o instanceof Number n ? n.longValue() : Long.parseLong(text(o));
    }

    private static String text(Object o) {
        return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
    }
}
