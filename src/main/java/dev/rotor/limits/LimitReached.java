package dev.rotor.limits;

/**
 * A scope found full: a 429, or a success whose headers said its window was used up. What a lesson is learned from.
 *
 * @param sentMs when the call that found it full left
 * @param atMs when its answer came
 * @param learnUntilMs when the scope frees, for learning: a span the provider reckoned is counted from when the call
 *     left (see {@code fromSend})
 * @param precisionMs how precise that moment is: 1 ms, 1000 for whole seconds, the whole wait for a guessed one
 * @param refused a 429 (not a success that used the window up, which is the pace working)
 * @param fromSend {@code learnUntilMs} is counted from when the refused call left
 * @param told the provider said when it frees (a reset, a Retry-After); false for a cooldown guessed by backoff, which
 *     says nothing of where the provider's windows lie
 */
record LimitReached(
        long sentMs, long atMs, long learnUntilMs, long precisionMs, boolean refused, boolean fromSend, boolean told) {}
