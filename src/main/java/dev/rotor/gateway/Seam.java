package dev.rotor.gateway;

/**
 * Where a continuation's text meets the text the caller already has. A model that finishes another's answer may begin
 * by saying again what was said last (a few words, or the whole answer from its start): that much is held back until it
 * is clear, and the repeat is dropped. An overlap shorter than {@link #MIN_REPEAT} characters is taken for chance and
 * kept, but for whitespace (the prefill is sent without its trailing whitespace, so the continuation often starts with
 * it again).
 */
final class Seam {

    static final int MIN_REPEAT = 8;
    /** The longest repeat of the caller's last text looked for, besides a restart of the whole answer. */
    static final int WINDOW = 256;

    private final String sent;
    private final StringBuilder held = new StringBuilder();
    private boolean joined;

    /** @param sent all the text the caller has had */
    Seam(String sent) {
        this.sent = sent;
    }

    /** The continuation's next text; what of it goes to the caller now (empty while the seam is not yet clear). */
    String next(String text) {
        if (joined) {
            return text;
        }
        held.append(text);
        // held while it may still be the start of a repeat: of the whole answer, or of its last words
        boolean mayRestart = held.length() < sent.length() && sent.startsWith(held.toString());
        boolean mayRepeat = held.length() < WINDOW && tail().contains(held);
        return mayRestart || mayRepeat ? "" : join();
    }

    /** The continuation ended: what was held, less any repeat. */
    String end() {
        return joined ? "" : join();
    }

    private String join() {
        joined = true;
        String text = held.toString();
        int overlap = overlap(text);
        return text.substring(overlap);
    }

    private String tail() {
        return sent.substring(Math.max(0, sent.length() - WINDOW));
    }

    /** The longest start of {@code text} that the caller's text ends with and that is no chance. */
    private int overlap(String text) {
        for (int n = Math.min(sent.length(), text.length()); n > 0; n--) {
            String start = text.substring(0, n);
            if (sent.endsWith(start) && (n >= MIN_REPEAT || start.isBlank())) {
                return n;
            }
        }
        return 0;
    }
}
