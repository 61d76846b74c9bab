package dev.rotor.chat.headers;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Every limit signal one response carried, the moment it asks the client to wait until (for a 429), and the values
 * that were ignored as malformed or implausible.
 *
 * @param retryAt the first of: OpenRouter's X-RateLimit-Reset, OpenAI's retry-after-ms, Retry-After, the reset of
 *                another family's exhausted limit; only instants still ahead
 */
public record LimitReport(List<LimitSignal> signals, Optional<Instant> retryAt, List<Ignored> ignored) {

    public static final LimitReport EMPTY = new LimitReport(List.of(), Optional.empty(), List.of());

    /** A header value that was not trusted, and why: not_a_number, negative, remaining_above_limit, reset_capped, reset_passed. */
    public record Ignored(String family, String header, String reason) {
    }

    public LimitReport {
        signals = List.copyOf(signals);
        ignored = List.copyOf(ignored);
    }

    /** The request limit to learn from: the first family's that gives a size, else the first at all. */
    public Optional<LimitSignal> requests() {
        Optional<LimitSignal> sized = signals.stream().filter(s -> s.isRequests() && s.limit().isPresent()).findFirst();
        return sized.isPresent() ? sized : signals.stream().filter(LimitSignal::isRequests).findFirst();
    }

    /** When the latest of the limits this response says are used up (requests or tokens) frees again. */
    public Optional<Instant> exhaustedUntil() {
        return signals.stream().filter(LimitSignal::exhausted).map(LimitSignal::resetAt).flatMap(Optional::stream)
                .max(Instant::compareTo);
    }

    public boolean isEmpty() {
        return signals.isEmpty() && retryAt.isEmpty() && ignored.isEmpty();
    }

    /** Collects what the families read. */
    static final class Builder {
        final List<LimitSignal> signals = new ArrayList<>();
        final List<Ignored> ignored = new ArrayList<>();
        Optional<Instant> retryAfterMs = Optional.empty();
        Optional<Instant> retryAfter = Optional.empty();

        void ignore(String family, String header, String reason) {
            ignored.add(new Ignored(family, header, reason));
        }

        LimitReport build(Instant now) {
            Optional<Instant> openRouterReset = signals.stream().filter(s -> s.family().equals(OpenRouterFamily.NAME))
                    .map(LimitSignal::resetAt).flatMap(Optional::stream).findFirst();
            Optional<Instant> otherExhausted = signals.stream().filter(s -> !s.family().equals(OpenRouterFamily.NAME))
                    .filter(LimitSignal::exhausted).map(LimitSignal::resetAt).flatMap(Optional::stream).max(Instant::compareTo);
            Optional<Instant> retryAt = openRouterReset.or(() -> retryAfterMs).or(() -> retryAfter).or(() -> otherExhausted)
                    .filter(t -> t.isAfter(now));
            return new LimitReport(signals, retryAt, ignored);
        }
    }
}
