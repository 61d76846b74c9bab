package dev.rotor.limits;

/**
 * Where a provider's fixed windows begin, read from the resets it announces. A provider that counts in fixed windows
 * (OpenRouter's per-minute pools) announces the same reset for every call of a window and the next one a whole window
 * later; a sliding window or a token bucket announces a reset that moves with each call. Once two announced resets lie
 * a whole number of windows apart, a declared quota of that window is counted in the provider's own window, so its
 * whole quota frees at each reset instead of a sliding window's call by call (which drifts a call's latency per window
 * against the provider's and wastes the slots a drifting burst straddles).
 *
 * <p>Only resets announced to the millisecond are used: a reset in whole seconds fits any grid. A 429 on the scope
 * drops what was read, as it shows the windows were not where they seemed.
 */
final class FixedWindows {

    /** Resets this close are the same reset (one window), or a whole number of windows apart. */
    static final long TOLERANCE_MS = 2;
    /** A reset known less precisely than this says nothing of where windows begin. */
    private static final long PRECISE_MS = 10;

    static final long UNKNOWN = Long.MIN_VALUE;

    private long lastResetMs = UNKNOWN;
    /** The gap between the last two distinct resets; 0 before there were two. */
    private long gapMs;

    /** A reset the provider announced for this scope, known to {@code precisionMs}. */
    void announced(long resetMs, long precisionMs) {
        if (precisionMs > PRECISE_MS) {
            return;
        }
        if (lastResetMs != UNKNOWN && Math.abs(resetMs - lastResetMs) <= TOLERANCE_MS) {
            return;
        }
        gapMs = lastResetMs == UNKNOWN ? 0 : Math.abs(resetMs - lastResetMs);
        lastResetMs = resetMs;
    }

    /** The windows were not where they seemed (a 429 while counting in them): start over. */
    void forget() {
        lastResetMs = UNKNOWN;
        gapMs = 0;
    }

    /**
     * The start of the provider's window of {@code windowMs} that holds {@code nowMs}; {@link #UNKNOWN} unless the last
     * two announced resets lie a whole number of such windows apart.
     */
    long windowStart(long windowMs, long nowMs) {
        if (gapMs == 0 || windowMs <= 0) {
            return UNKNOWN;
        }
        long off = gapMs % windowMs;
        if (off > TOLERANCE_MS && windowMs - off > TOLERANCE_MS) {
            return UNKNOWN;
        }
        return lastResetMs + Math.floorDiv(nowMs - lastResetMs, windowMs) * windowMs;
    }
}
