package dev.rotor.chat.headers;

import dev.rotor.models.Unit;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Every limit signal one response carried, the moment it asks the client to wait until (for a 429), and the values that
 * were ignored as malformed or implausible.
 *
 * @param retryAt the first of: OpenRouter's X-RateLimit-Reset, OpenAI's retry-after-ms, Retry-After, the reset of
 *     another family's exhausted limit; only instants not yet past ("now" when the provider said to retry at once)
 * @param retryAtPrecisionMs 1000 when {@code retryAt} was given in whole seconds (Retry-After: 3), else 1
 * @param retryAtRelative {@code retryAt} was given as a span from the provider's now (Retry-After: 3), counted here
 *     from when the answer was read
 * @param refusedOn for a 429, the unit of the limit it names (tokens per minute, input tokens, ...), when its body says
 */
public record LimitReport(
        List<LimitSignal> signals,
        Optional<Instant> retryAt,
        long retryAtPrecisionMs,
        boolean retryAtRelative,
        List<Ignored> ignored,
        Optional<Unit> refusedOn) {

    public static final LimitReport EMPTY = new LimitReport(List.of(), Optional.empty(), List.of());

    public LimitReport(List<LimitSignal> signals, Optional<Instant> retryAt, List<Ignored> ignored) {
        this(signals, retryAt, 1, false, ignored);
    }

    public LimitReport(
            List<LimitSignal> signals,
            Optional<Instant> retryAt,
            long retryAtPrecisionMs,
            boolean retryAtRelative,
            List<Ignored> ignored) {
        this(signals, retryAt, retryAtPrecisionMs, retryAtRelative, ignored, Optional.empty());
    }

    /**
     * The same report with what a 429's body said: its limits, the unit it was refused on, and when to come back when
     * no header said so.
     */
    public LimitReport withBody(
            List<LimitSignal> bodySignals, Optional<Unit> unit, Optional<Instant> bodyRetryAt, long bodyPrecisionMs) {
        List<LimitSignal> all = new ArrayList<>(signals);
        all.addAll(bodySignals);
        boolean fromBody = retryAt.isEmpty() && bodyRetryAt.isPresent();
        return new LimitReport(
                all,
                fromBody ? bodyRetryAt : retryAt,
                fromBody ? bodyPrecisionMs : retryAtPrecisionMs,
                fromBody || retryAtRelative,
                ignored,
                unit.or(() -> refusedOn));
    }

    /**
     * A header value that was not trusted, and why: not_a_number, negative, remaining_above_limit, reset_capped,
     * reset_passed.
     */
    public record Ignored(String family, String header, String reason) {}

    public LimitReport {
        signals = List.copyOf(signals);
        ignored = List.copyOf(ignored);
        refusedOn = refusedOn == null ? Optional.empty() : refusedOn;
    }

    /** The request limit to learn from: the first family's that gives a size, else the first at all. */
    public Optional<LimitSignal> requests() {
        Optional<LimitSignal> sized = signals.stream()
                .filter(s -> s.isRequests() && s.limit().isPresent())
                .findFirst();
        return sized.isPresent()
                ? sized
                : signals.stream().filter(LimitSignal::isRequests).findFirst();
    }

    /** When the latest of the limits this response says are used up (requests or tokens) frees again. */
    public Optional<Instant> exhaustedUntil() {
        return signals.stream()
                .filter(LimitSignal::exhausted)
                .map(LimitSignal::resetAt)
                .flatMap(Optional::stream)
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
        long retryAfterPrecisionMs = 1;
        boolean retryAfterRelative = true;

        void ignore(String family, String header, String reason) {
            ignored.add(new Ignored(family, header, reason));
        }

        LimitReport build(Instant now) {
            Optional<LimitSignal> openRouter = signals.stream()
                    .filter(s -> s.family().equals(OpenRouterFamily.NAME)
                            && s.resetAt().isPresent())
                    .findFirst();
            Optional<LimitSignal> otherExhausted = signals.stream()
                    .filter(s -> !s.family().equals(OpenRouterFamily.NAME))
                    .filter(s -> s.exhausted() && s.resetAt().isPresent())
                    .max((a, b) -> a.resetAt().get().compareTo(b.resetAt().get()));
            Optional<Instant> retryAt;
            long precision = 1;
            boolean relative = false;
            if (openRouter.isPresent()) {
                retryAt = openRouter.get().resetAt();
                precision = openRouter.get().resetPrecisionMs();
            } else if (retryAfterMs.isPresent()) {
                retryAt = retryAfterMs;
                relative = true;
            } else if (retryAfter.isPresent()) {
                retryAt = retryAfter;
                precision = retryAfterPrecisionMs;
                relative = retryAfterRelative;
            } else {
                retryAt = otherExhausted.flatMap(LimitSignal::resetAt);
                precision = otherExhausted.map(LimitSignal::resetPrecisionMs).orElse(1L);
                relative = otherExhausted.isPresent()
                        && !otherExhausted.get().family().equals(AnthropicFamily.NAME);
            }
            return new LimitReport(signals, retryAt.filter(t -> !t.isBefore(now)), precision, relative, ignored);
        }
    }
}
