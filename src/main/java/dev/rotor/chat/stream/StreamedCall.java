package dev.rotor.chat.stream;

import java.time.Duration;

import io.opentelemetry.api.trace.Span;

/**
 * A streamed call that sent its first content, handed to whoever relays it to its end: when it began (nano time),
 * for its whole duration, and its span, null while tracing is off.
 */
public record StreamedCall(long startNanos, Span span) {

    public Duration elapsed() {
        return Duration.ofNanos(System.nanoTime() - startNanos);
    }
}
