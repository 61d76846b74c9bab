package dev.rotor.limits;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/**
 * The calls one scope sent, oldest first: the window accounting of every limit on the scope counts them. A call is
 * counted from the latest moment the provider can have counted it: its answer, or a short skew after it left, as
 * the provider stamps a call when it arrives, which is after Rotor lets it go. A call the provider refused counts
 * for nothing.
 */
final class SendLog {

    /** The longest we assume a call takes to reach the provider's counter after Rotor lets it go. */
    static final long SEND_SKEW_MS = 250;
    /** Entries kept at least, whatever the windows, so a limit learned later can count the calls before it. */
    private static final int MIN_ENTRIES = 1024;
    /** The id of a call another process on the account reported. */
    private static final long FOREIGN = -1;
    /** The id of a call only a provider's remaining count told of: someone's, we do not know whose. */
    private static final long UNEXPLAINED = -2;
    /** A call still unanswered after this long was lost without a word (its task ended some other way). */
    private static final long STALE_MS = 10 * 60_000;
    /** How far back entries are kept when no limit on the scope has a window yet. */
    static final long NO_HORIZON = Long.MAX_VALUE / 4;

    private static final class Entry {
        final long id;
        final long sentMs;
        long countedMs;
        boolean refused;
        boolean succeeded;

        Entry(long id, long sentMs, long countedMs) {
            this.id = id;
            this.sentMs = sentMs;
            this.countedMs = countedMs;
        }
    }

    private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    private final Map<Long, Entry> inFlight = new HashMap<>();

    void sent(long id, long nowMs) {
        Entry e = new Entry(id, nowMs, nowMs + SEND_SKEW_MS);
        entries.addLast(e);
        inFlight.put(id, e);
    }

    /**
     * An answer came: the call reached the provider no later than now; {@code success} if it was a completion.
     * False if it was settled already.
     */
    boolean answered(long id, long atMs, boolean success) {
        Entry e = inFlight.remove(id);
        if (e != null) {
            e.countedMs = Math.min(e.countedMs, Math.max(e.sentMs, atMs));
            e.succeeded = success;
        }
        return e != null;
    }

    /** The calls sent from {@code fromMs} (inclusive) to {@code toMs} (exclusive) that succeeded. */
    int successes(long fromMs, long toMs) {
        int n = 0;
        for (Iterator<Entry> it = entries.descendingIterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (e.sentMs < fromMs) {
                break;
            }
            if (e.succeeded && e.sentMs < toMs) {
                n++;
            }
        }
        return n;
    }

    /** The calls that succeeded, counted from {@code fromMs} on. */
    int succeededSince(long fromMs) {
        int n = 0;
        for (Iterator<Entry> it = entries.descendingIterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (e.sentMs + SEND_SKEW_MS < fromMs) {
                break;
            }
            if (e.succeeded && e.countedMs >= fromMs) {
                n++;
            }
        }
        return n;
    }

    /** The provider refused the call (429): it used up nothing. False if it was settled already. */
    boolean refused(long id) {
        Entry e = inFlight.remove(id);
        if (e != null) {
            e.refused = true;
        }
        return e != null;
    }

    /** Calls on their way; one that never got an answer in {@link #STALE_MS} is taken as lost. */
    int inFlight(long nowMs) {
        inFlight.values().removeIf(e -> e.sentMs < nowMs - STALE_MS);
        return inFlight.size();
    }

    /**
     * A call another Rotor process on the same account sent and had answered: counted as one of ours would be. Kept
     * in send order, as calls of ours are.
     */
    void foreign(long sentMs, long countedMs, boolean success) {
        explain(sentMs);
        Entry e = new Entry(FOREIGN, sentMs, Math.min(countedMs, sentMs + SEND_SKEW_MS));
        e.succeeded = success;
        ArrayDeque<Entry> later = new ArrayDeque<>();
        while (!entries.isEmpty() && entries.peekLast().sentMs > sentMs) {
            later.push(entries.removeLast());
        }
        entries.addLast(e);
        entries.addAll(later);
    }

    /** Calls someone else made on the same account, as the provider's remaining count tells: counted from now. */
    void others(int calls, long nowMs) {
        for (int i = 0; i < calls; i++) {
            entries.addLast(new Entry(UNEXPLAINED, nowMs, nowMs));
        }
    }

    /**
     * A call reported by the process that made it may be one a remaining count already told of: the oldest such
     * unexplained call heard of after it was sent stands for it, and goes, or the call would be counted twice.
     */
    private void explain(long sentMs) {
        for (Iterator<Entry> it = entries.iterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (e.id == UNEXPLAINED && e.sentMs >= sentMs) {
                it.remove();
                return;
            }
        }
    }

    /** The calls counted in the window ending now, among those sent before {@code sentBeforeMs}. */
    int count(long windowMs, long nowMs, long sentBeforeMs) {
        long from = nowMs - windowMs;
        int n = 0;
        for (Iterator<Entry> it = entries.descendingIterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (e.sentMs + SEND_SKEW_MS <= from) {
                break;
            }
            if (!e.refused && e.countedMs > from && e.sentMs < sentBeforeMs) {
                n++;
            }
        }
        return n;
    }

    int count(long windowMs, long nowMs) {
        return count(windowMs, nowMs, Long.MAX_VALUE);
    }

    /** When fewer than {@code limit} calls will be in the window: {@code nowMs} or earlier if they are now. */
    long nextFree(int limit, long windowMs, long nowMs) {
        int n = count(windowMs, nowMs);
        if (n < limit) {
            return nowMs;
        }
        long from = nowMs - windowMs;
        long[] counted = new long[n];
        int i = 0;
        for (Iterator<Entry> it = entries.descendingIterator(); it.hasNext() && i < n; ) {
            Entry e = it.next();
            if (!e.refused && e.countedMs > from) {
                counted[i++] = e.countedMs;
            }
        }
        Arrays.sort(counted);
        return counted[n - limit] + windowMs;
    }

    /**
     * As {@link #nextFree(int, long, long)}, for a provider that counts in fixed windows, the one that holds now
     * beginning at {@code windowStartMs}: only calls counted from then count, and a full window frees whole at its
     * end. A call on its way counts from its skew, so one sent just before the window began may count in both.
     */
    long nextFree(int limit, long windowMs, long nowMs, long windowStartMs) {
        if (windowStartMs == FixedWindows.UNKNOWN) {
            return nextFree(limit, windowMs, nowMs);
        }
        return count(nowMs - windowStartMs + 1, nowMs) < limit ? nowMs : windowStartMs + windowMs;
    }

    /**
     * When the {@code n}th latest call counted by {@code atMs} was counted; {@link Long#MIN_VALUE} if fewer were. A
     * window that holds {@code n} calls began no later than that.
     */
    long nthLatestCounted(int n, long atMs) {
        if (n <= 0) {
            return Long.MIN_VALUE;
        }
        // sent order and counted order differ by at most the skew: a few entries more than n are enough to sort
        long[] counted = new long[Math.min(entries.size(), 4 * n)];
        int i = 0;
        for (Iterator<Entry> it = entries.descendingIterator(); it.hasNext() && i < counted.length; ) {
            Entry e = it.next();
            if (!e.refused && e.countedMs <= atMs) {
                counted[i++] = e.countedMs;
            }
        }
        if (i < n) {
            return Long.MIN_VALUE;
        }
        Arrays.sort(counted, 0, i);
        return counted[i - n];
    }

    /** Calls on their way sent before the given instant: they reached the provider before a later call did. */
    int inFlightSentBefore(long sentMs) {
        int n = 0;
        for (Entry e : inFlight.values()) {
            if (e.sentMs < sentMs) {
                n++;
            }
        }
        return n;
    }

    /**
     * Forgets what no window can count any more: calls older than the longest window, and beyond twice the largest
     * limit (never fewer than {@link #MIN_ENTRIES}, so a limit learned later can count the calls before it).
     */
    void forget(long nowMs, long horizonMs, int largestLimit) {
        int max = Math.max(MIN_ENTRIES, 2 * largestLimit);
        while (entries.size() > max
                || entries.size() > MIN_ENTRIES && entries.peekFirst().sentMs + SEND_SKEW_MS <= nowMs - horizonMs) {
            entries.removeFirst();
        }
    }
}
