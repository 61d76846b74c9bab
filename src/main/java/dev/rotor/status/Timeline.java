package dev.rotor.status;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Running totals (tasks completed, 429s, per transport...) sampled once a second, kept for ten minutes and a bit: the
 * status page's chart is their per-second differences, its "per minute" figures the difference over the last minute.
 * Counters only ever grow, so a difference between two samples is what happened between them.
 */
public final class Timeline {

    /** The chart spans this many seconds. */
    public static final int CHART_SECONDS = 600;

    private static final int MINUTE = 60;

    /** The totals at one second. */
    record Sample(long second, Map<String, Double> totals) {
        double get(String key) {
            return totals.getOrDefault(key, 0.0);
        }
    }

    /** Per-second differences of one total, the last of them ending at {@code endSecond}. */
    public record Series(long endSecond, List<Double> perSecond) {}

    private final Supplier<Map<String, Double>> totals;
    private final Deque<Sample> samples = new ArrayDeque<>();

    /** @param totals reads every running total the page shows, by name */
    public Timeline(Supplier<Map<String, Double>> totals) {
        this.totals = totals;
    }

    /** Takes the totals as they are at this second (a second already sampled is sampled again). */
    public synchronized void sample(long epochSecond) {
        if (!samples.isEmpty() && samples.peekLast().second() >= epochSecond) {
            samples.removeLast();
        }
        samples.addLast(new Sample(epochSecond, Map.copyOf(totals.get())));
        while (samples.peekFirst().second() < epochSecond - CHART_SECONDS) {
            samples.removeFirst();
        }
    }

    /** How much the total grew over the last minute (over the time sampled, when that is shorter). */
    public synchronized double lastMinute(String key) {
        if (samples.size() < 2) {
            return 0;
        }
        Sample last = samples.peekLast();
        Sample from = samples.peekFirst();
        for (Sample s : samples) {
            if (s.second() > last.second() - MINUTE) {
                break;
            }
            from = s;
        }
        return last.get(key) - from.get(key);
    }

    /**
     * The total's growth in each second of the last ten minutes sampled, oldest first. A second the sampler missed (it
     * ran late) reads 0, and the next sample holds what grew in both.
     */
    public synchronized Series perSecond(String key) {
        List<Double> values = new ArrayList<>();
        Sample previous = null;
        for (Sample s : samples) {
            if (previous != null) {
                for (long gap = previous.second() + 1; gap < s.second(); gap++) {
                    values.add(0.0);
                }
                values.add(s.get(key) - previous.get(key));
            }
            previous = s;
        }
        return new Series(previous == null ? 0 : previous.second(), List.copyOf(values));
    }
}
