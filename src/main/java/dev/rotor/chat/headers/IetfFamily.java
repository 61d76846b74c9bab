package dev.rotor.chat.headers;

import dev.rotor.models.Unit;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.Function;

/**
 * The IETF draft's fields (draft-ietf-httpapi-ratelimit-headers): {@code RateLimit-Policy: "p";q=100;w=60} names each
 * policy's quota and window in seconds, {@code RateLimit: "p";r=50;t=30} what remains of it and the seconds until it
 * resets. Also the earlier drafts' RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset (seconds) with
 * {@code RateLimit-Policy: 100;w=60}.
 */
final class IetfFamily implements HeaderFamily {

    static final String NAME = "ietf";
    /** The longest window a reset may be capped to when the policy gives none. */
    private static final Duration CAP = Duration.ofDays(1);

    /** One policy: its quota and window, either possibly missing. */
    private record Policy(OptionalLong quota, Optional<Duration> window) {}

    /** One structured-field list member: its name (a string, token or bare number) and its parameters. */
    private record Item(String name, Map<String, String> params) {}

    @Override
    public void read(Function<String, String> header, Instant now, LimitReport.Builder out) {
        Map<String, Policy> policies = new LinkedHashMap<>();
        String policyText = header.apply("RateLimit-Policy");
        if (policyText != null && !policyText.isBlank()) {
            for (Item item : items(policyText)) {
                policies.put(item.name(), policy(item, header, now, out));
            }
        }
        String current = header.apply("RateLimit");
        if (current != null && !current.isBlank()) {
            for (Item item : items(current)) {
                Policy policy = policies.getOrDefault(
                        item.name(),
                        policies.size() == 1
                                ? policies.values().iterator().next()
                                : new Policy(OptionalLong.empty(), Optional.empty()));
                HeaderValues v = values(item.params()::get, now, policy, out);
                add(
                        out,
                        policy.quota(),
                        v.remainingWithin("RateLimit", v.count("r"), policy.quota()),
                        v.resetBySize("t"),
                        policy.window(),
                        v.precisionMs());
            }
            return;
        }
        HeaderValues v = values(
                header,
                now,
                policies.values().stream().findFirst().orElse(new Policy(OptionalLong.empty(), Optional.empty())),
                out);
        if (v.has("RateLimit-Limit") || v.has("RateLimit-Remaining") || v.has("RateLimit-Reset")) {
            OptionalLong limit = firstNumber(header.apply("RateLimit-Limit"));
            Policy policy = policies.values().stream()
                    .filter(p -> p.quota().equals(limit))
                    .findFirst()
                    .orElse(policies.values().stream().findFirst().orElse(new Policy(limit, Optional.empty())));
            add(
                    out,
                    limit.isPresent() ? limit : policy.quota(),
                    v.remainingWithin("RateLimit-Remaining", v.count("RateLimit-Remaining"), limit),
                    v.resetBySize("RateLimit-Reset"),
                    policy.window(),
                    v.precisionMs());
            return;
        }
        policies.values().forEach(p -> add(out, p.quota(), OptionalLong.empty(), Optional.empty(), p.window(), 1));
    }

    private static void add(
            LimitReport.Builder out,
            OptionalLong limit,
            OptionalLong remaining,
            Optional<Instant> reset,
            Optional<Duration> window,
            long precisionMs) {
        if (limit.isPresent() || remaining.isPresent() || reset.isPresent()) {
            out.signals.add(new LimitSignal(NAME, Unit.REQUESTS, limit, remaining, reset, window, precisionMs));
        }
    }

    private static HeaderValues values(
            Function<String, String> lookup, Instant now, Policy policy, LimitReport.Builder out) {
        return new HeaderValues(NAME, lookup, now, policy.window().orElse(CAP), out);
    }

    private static Policy policy(Item item, Function<String, String> header, Instant now, LimitReport.Builder out) {
        HeaderValues v = new HeaderValues(NAME, item.params()::get, now, CAP, out);
        OptionalLong quota = item.params().containsKey("q") ? v.count("q") : HeaderValues.countOf(item.name());
        OptionalLong seconds = v.count("w");
        Optional<Duration> window = seconds.isPresent() && seconds.getAsLong() > 0
                ? Optional.of(Duration.ofSeconds(seconds.getAsLong()))
                : Optional.empty();
        return new Policy(quota, window);
    }

    private static OptionalLong firstNumber(String text) {
        if (text == null || text.isBlank()) {
            return OptionalLong.empty();
        }
        return HeaderValues.countOf(text.split("[,;]")[0]);
    }

    /** Splits a structured-field list into its members, leaving commas and semicolons inside quotes alone. */
    private static List<Item> items(String text) {
        List<Item> items = new ArrayList<>();
        for (String member : split(text, ',')) {
            List<String> parts = split(member, ';');
            if (parts.isEmpty() || parts.get(0).isBlank()) {
                continue;
            }
            Map<String, String> params = new LinkedHashMap<>();
            for (String p : parts.subList(1, parts.size())) {
                int eq = p.indexOf('=');
                if (eq > 0) {
                    params.put(
                            p.substring(0, eq).strip(),
                            unquote(p.substring(eq + 1).strip()));
                }
            }
            items.add(new Item(unquote(parts.get(0).strip()), params));
        }
        return items;
    }

    private static List<String> split(String text, char separator) {
        List<String> parts = new ArrayList<>();
        StringBuilder part = new StringBuilder();
        boolean quoted = false;
        for (char c : text.toCharArray()) {
            if (c == '"') {
                quoted = !quoted;
            }
            if (c == separator && !quoted) {
                parts.add(part.toString());
                part.setLength(0);
            } else {
                part.append(c);
            }
        }
        parts.add(part.toString());
        return parts;
    }

    private static String unquote(String s) {
        return s.length() >= 2 && s.startsWith("\"") && s.endsWith("\"") ? s.substring(1, s.length() - 1) : s;
    }
}
