package dev.rotor.limits;

import dev.rotor.models.Unit;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The calls one scope sent, oldest first: the window accounting of every limit on the scope counts them, each in its
 * unit (a call counts one request and the tokens it reserved, settled to what its provider counted). A call is counted
 * from the latest moment the provider can have counted it: its answer, or a short skew after it left, as the provider
 * stamps a call when it arrives, which is after Rotor lets it go. A call the provider refused counts for nothing.
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
    /** The id of tokens only a provider's remaining count told of: no call of ours, no request. */
    private static final long UNEXPLAINED_TOKENS = -3;
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
        CallCost cost;

        Entry(long id, long sentMs, long countedMs, CallCost cost) {
            this.id = id;
            this.sentMs = sentMs;
            this.countedMs = countedMs;
            this.cost = cost;
        }

        long amount(Unit unit) {
            return refused ? 0 : cost.of(unit);
        }
    }

    private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    private final Map<Long, Entry> inFlight = new HashMap<>();

    void sent(long id, long nowMs, CallCost cost) {
        Entry e = new Entry(id, nowMs, nowMs + SEND_SKEW_MS, cost);
        entries.addLast(e);
        inFlight.put(id, e);
    }

    /**
     * An answer came: the call reached the provider no later than now; {@code success} if it was a completion. False if
     * it was settled already.
     */
    boolean answered(long id, long atMs, boolean success) {
        return answered(id, atMs, success, null);
    }

    /**
     * As above, the call's tokens settled to what its provider counted ({@code counted}; null keeps the reservation).
     */
    boolean answered(long id, long atMs, boolean success, CallCost counted) {
        Entry e = inFlight.remove(id);
        if (e != null) {
            e.countedMs = Math.min(e.countedMs, Math.max(e.sentMs, atMs));
            e.succeeded = success;
            if (counted != null) {
                e.cost = counted;
            }
        }
        return e != null;
    }

    /** What the calls sent from {@code fromMs} (inclusive) to {@code toMs} (exclusive) that succeeded counted. */
    long successes(Unit unit, long fromMs, long toMs) {
        long n = 0;
        for (Iterator<Entry> it = entries.descendingIterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (e.sentMs < fromMs) {
                break;
            }
            if (e.succeeded && e.sentMs < toMs) {
                n += e.amount(unit);
            }
        }
        return n;
    }

    /**
     * What the calls on their way that may not have reached the provider yet (sent within the skew, unanswered)
     * reserved in the unit. The send log takes the call as counted no later than that, and so does the bucket.
     */
    long unarrived(Unit unit, long nowMs) {
        long n = 0;
        for (Entry e : inFlight.values()) {
            if (e.sentMs > nowMs - SEND_SKEW_MS) {
                n += e.amount(unit);
            }
        }
        return n;
    }

    /** What the calls on their way reserved in the unit. */
    long reserved(Unit unit) {
        long n = 0;
        for (Entry e : inFlight.values()) {
            n += e.amount(unit);
        }
        return n;
    }

    /** What a call on its way reserved; empty once it has its answer. */
    Optional<CallCost> reservationOf(long id) {
        Entry e = inFlight.get(id);
        return e == null ? Optional.empty() : Optional.of(e.cost);
    }

    /**
     * What the calls sent from {@code fromMs} on count in the unit (reserved, or settled once answered), but the call
     * {@code except}.
     */
    long reservedSentSince(Unit unit, long fromMs, long except) {
        long n = 0;
        for (Iterator<Entry> it = entries.descendingIterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (e.sentMs < fromMs) {
                break;
            }
            if (e.id != except) {
                n += e.amount(unit);
            }
        }
        return n;
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
     * A call another Rotor process on the same account sent and had answered: counted as one of ours would be. Kept in
     * send order, as calls of ours are.
     */
    void countAnotherProcessCall(long sentMs, long countedMs, boolean success, CallCost cost) {
        explain(sentMs);
        Entry e = new Entry(FOREIGN, sentMs, Math.min(countedMs, sentMs + SEND_SKEW_MS), cost);
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
            entries.addLast(new Entry(UNEXPLAINED, nowMs, nowMs, CallCost.ONE_CALL));
        }
    }

    /**
     * Tokens someone else used on the same account, as the provider's remaining count tells: counted from now, as one
     * entry that counts no request.
     */
    void othersTokens(Unit unit, long tokens, long nowMs) {
        CallCost cost = new CallCost(
                unit == Unit.TOKENS ? tokens : 0,
                unit == Unit.INPUT_TOKENS ? tokens : 0,
                unit == Unit.OUTPUT_TOKENS ? tokens : 0);
        Entry e = new Entry(UNEXPLAINED_TOKENS, nowMs, nowMs, cost);
        e.succeeded = true;
        entries.addLast(e);
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
        return (int) count(Unit.REQUESTS, windowMs, nowMs, sentBeforeMs);
    }

    int count(long windowMs, long nowMs) {
        return count(windowMs, nowMs, Long.MAX_VALUE);
    }

    /**
     * What the calls counted in the window ending now, among those sent before {@code sentBeforeMs}, count in the unit.
     */
    long count(Unit unit, long windowMs, long nowMs, long sentBeforeMs) {
        long from = nowMs - windowMs;
        long n = 0;
        for (Iterator<Entry> it = entries.descendingIterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (e.sentMs + SEND_SKEW_MS <= from) {
                break;
            }
            if (!e.refused && e.countedMs > from && e.sentMs < sentBeforeMs) {
                n += e.amount(unit);
            }
        }
        return n;
    }

    /** When fewer than {@code limit} calls will be in the window: {@code nowMs} or earlier if they are now. */
    long nextFree(int limit, long windowMs, long nowMs) {
        return nextFree(Unit.REQUESTS, limit, windowMs, nowMs, 1);
    }

    /**
     * When the window will hold {@code need} more of the unit within {@code limit}: {@code nowMs} if it does now;
     * {@link Long#MAX_VALUE} if it never can ({@code need} alone is over the limit).
     */
    long nextFree(Unit unit, long limit, long windowMs, long nowMs, long need) {
        if (need > limit) {
            return Long.MAX_VALUE;
        }
        long n = count(unit, windowMs, nowMs, Long.MAX_VALUE);
        if (n + need <= limit) {
            return nowMs;
        }
        long from = nowMs - windowMs;
        List<Entry> inWindow = new ArrayList<>();
        for (Iterator<Entry> it = entries.descendingIterator(); it.hasNext(); ) {
            Entry e = it.next();
            if (e.sentMs + SEND_SKEW_MS <= from) {
                break;
            }
            if (e.amount(unit) > 0 && e.countedMs > from) {
                inWindow.add(e);
            }
        }
        // the oldest leave the window first: room comes when enough of them have
        inWindow.sort(Comparator.comparingLong(e -> e.countedMs));
        for (Entry e : inWindow) {
            n -= e.amount(unit);
            if (n + need <= limit) {
                return e.countedMs + windowMs;
            }
        }
        return nowMs + windowMs;
    }

    /**
     * As {@link #nextFree(int, long, long)}, for a provider that counts in fixed windows, the one that holds now
     * beginning at {@code windowStartMs}: only calls counted from then count, and a full window frees whole at its end.
     * A call on its way counts from its skew, so one sent just before the window began may count in both.
     */
    long nextFree(int limit, long windowMs, long nowMs, long windowStartMs) {
        return nextFree(Unit.REQUESTS, limit, windowMs, nowMs, windowStartMs, 1);
    }

    /** As the sliding form, for a provider's fixed window that began at {@code windowStartMs} (if known). */
    long nextFree(Unit unit, long limit, long windowMs, long nowMs, long windowStartMs, long need) {
        if (windowStartMs == FixedWindows.UNKNOWN) {
            return nextFree(unit, limit, windowMs, nowMs, need);
        }
        if (need > limit) {
            return Long.MAX_VALUE;
        }
        return count(unit, nowMs - windowStartMs + 1, nowMs, Long.MAX_VALUE) + need <= limit
                ? nowMs
                : windowStartMs + windowMs;
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
