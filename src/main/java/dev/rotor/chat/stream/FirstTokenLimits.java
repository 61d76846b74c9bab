package dev.rotor.chat.stream;

import dev.rotor.models.ModelSpec;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How long each model's stream may take to its first content, learned from its own times to first token: the
 * {@value #PERCENTILE_LABEL} of its last {@value #WINDOW} × {@value #FACTOR}, no less than {@link #FLOOR}, and never
 * more than {@code rotor.gateway.first-token-timeout}, which is the limit too until {@value #MIN_SAMPLES} streams have
 * been seen. A stream left at its limit counts as one that took the limit: a model that became slower for good raises
 * its own limit, call by call, back to the ceiling, rather than being cut off forever below its real time.
 */
public final class FirstTokenLimits {

    static final int WINDOW = 200;
    static final int MIN_SAMPLES = 20;
    static final double PERCENTILE = 0.95;
    static final String PERCENTILE_LABEL = "95th percentile";
    static final double FACTOR = 3.0;
    static final Duration FLOOR = Duration.ofSeconds(1);

    private final Duration ceiling;
    private final Map<String, Samples> byModel = new ConcurrentHashMap<>();

    /** @param ceiling {@code rotor.gateway.first-token-timeout} */
    public FirstTokenLimits(Duration ceiling) {
        this.ceiling = ceiling;
    }

    public Duration ceiling() {
        return ceiling;
    }

    /** How long the model's next stream may take to its first content. */
    public Duration limitFor(ModelSpec model) {
        Samples samples = byModel.get(model.id());
        long percentile = samples == null ? -1 : samples.percentileMs();
        if (percentile < 0) {
            return ceiling;
        }
        Duration learned = Duration.ofMillis(Math.round(percentile * FACTOR));
        return learned.compareTo(FLOOR) < 0 ? min(FLOOR, ceiling) : min(learned, ceiling);
    }

    /** Whether the model's limit is below the ceiling: a late first token there is late for it, not for the caller. */
    public boolean learned(ModelSpec model) {
        return limitFor(model).compareTo(ceiling) < 0;
    }

    /** A stream reached its first content after this long, or was left at its limit after this long. */
    public void observed(ModelSpec model, Duration toFirstToken) {
        byModel.computeIfAbsent(model.id(), id -> new Samples()).add(toFirstToken.toMillis());
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /**
     * The last {@link #WINDOW} times of one model, in a ring. Its percentile is read several times a call (the headers'
     * wait, the first content's, hedging): it is sorted once after each new time, not at each read.
     */
    private static final class Samples {
        private final long[] ms = new long[WINDOW];
        private int count;
        private int next;
        private boolean changed = true;
        private long percentile;

        synchronized void add(long value) {
            ms[next] = value;
            next = (next + 1) % WINDOW;
            count = Math.min(count + 1, WINDOW);
            changed = true;
        }

        /** -1 until enough are in. */
        synchronized long percentileMs() {
            if (count < MIN_SAMPLES) {
                return -1;
            }
            if (changed) {
                long[] sorted = Arrays.copyOf(ms, count);
                Arrays.sort(sorted);
                percentile = sorted[(int) Math.min(count - 1, Math.ceil(PERCENTILE * count) - 1)];
                changed = false;
            }
            return percentile;
        }
    }
}
