package dev.rotor.tracing;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A streamed call that sent its first content, handed to whoever relays it to its end: when it began (nano time), for
 * its whole duration, and its span (a no-op one while tracing is off). It ends once, by the relay or, should the relay
 * never get to it, with its task.
 */
public final class StreamedCall {

    private final long startNanos;
    private final Span span;
    private final Map<String, String> context;
    private final AtomicBoolean ended = new AtomicBoolean();

    StreamedCall(long startNanos, Span span) {
        this(startNanos, span, Map.of());
    }

    StreamedCall(long startNanos, Span span, Map<String, String> context) {
        this.startNanos = startNanos;
        this.span = span;
        this.context = Map.copyOf(context);
    }

    /** The headers that carry the call's trace context to its provider ({@code traceparent}); none while off. */
    public Map<String, String> context() {
        return context;
    }

    public Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }

    Span span() {
        return span;
    }

    /** The span to end; empty when it ended already. */
    Optional<Span> take() {
        return ended.compareAndSet(false, true) ? Optional.of(span) : Optional.empty();
    }

    public void endUnlessEnded(String why) {
        take().ifPresent(s -> {
            s.setStatus(StatusCode.ERROR, why);
            s.end();
        });
    }
}
