package dev.rotor.support;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/** A trace as a text waterfall, one line a span, under its parent, a bar where it ran: for docs/operating.md. */
public final class Waterfall {

    private static final int WIDTH = 48;

    private Waterfall() {}

    public static String of(List<OtlpReceiver.Received> trace) {
        long start = trace.stream()
                .mapToLong(s -> s.span().getStartTimeUnixNano())
                .min()
                .orElse(0);
        long end = trace.stream()
                .mapToLong(s -> s.span().getEndTimeUnixNano())
                .max()
                .orElse(1);
        double scale = WIDTH / (double) Math.max(1, end - start);
        StringBuilder out = new StringBuilder();
        List<OtlpReceiver.Received> roots = new ArrayList<>(trace.stream()
                .filter(s -> trace.stream().noneMatch(p -> p.spanId().equals(s.parentId())))
                .toList());
        roots.sort(Comparator.comparingLong(s -> s.span().getStartTimeUnixNano()));
        for (OtlpReceiver.Received root : roots) {
            draw(out, trace, root, 0, start, scale);
        }
        return out.toString();
    }

    private static void draw(
            StringBuilder out,
            List<OtlpReceiver.Received> trace,
            OtlpReceiver.Received span,
            int depth,
            long start,
            double scale) {
        int from = (int) Math.round((span.span().getStartTimeUnixNano() - start) * scale);
        int to = Math.max(from + 1, (int) Math.round((span.span().getEndTimeUnixNano() - start) * scale));
        String name = "  ".repeat(depth) + span.name();
        double ms = (span.span().getEndTimeUnixNano() - span.span().getStartTimeUnixNano()) / 1e6;
        Object outcome =
                span.attributes().getOrDefault("error.type", span.attributes().get("rotor.outcome"));
        out.append(String.format(
                Locale.ROOT,
                "%-28s %s%s%s %7.1f ms  %s%n",
                name,
                " ".repeat(from),
                "█".repeat(to - from),
                " ".repeat(Math.max(0, WIDTH - to)),
                ms,
                outcome == null ? "" : outcome));
        span.span()
                .getEventsList()
                .forEach(e -> out.append(String.format(
                        Locale.ROOT,
                        "%-28s %s◆ %s%n",
                        "  ".repeat(depth + 1) + "event",
                        " ".repeat((int) Math.round((e.getTimeUnixNano() - start) * scale)),
                        e.getName())));
        trace.stream()
                .filter(c -> c.parentId().equals(span.spanId()))
                .sorted(Comparator.comparingLong(c -> c.span().getStartTimeUnixNano()))
                .forEach(c -> draw(out, trace, c, depth + 1, start, scale));
    }
}
