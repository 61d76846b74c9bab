package dev.rotor.limits;

/** What a lesson asks of a scope's send log: what succeeded among the calls sent in a span, in the limit's unit. */
@FunctionalInterface
interface SendCounts {

    long succeededSentBetween(long fromMs, long toMs);
}
