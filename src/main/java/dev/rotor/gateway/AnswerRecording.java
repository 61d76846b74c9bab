package dev.rotor.gateway;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a request with an {@code Idempotency-Key} was answered, as the caller received it (a JSON answer, or a stream's
 * events), so that a repeat is given the same again.
 */
final class AnswerRecording {

    private final StringBuilder text = new StringBuilder();
    private final Map<String, String> headers = new LinkedHashMap<>();
    private int status;
    private boolean streamed;

    /** The sink, with every event it takes also recorded: a streamed answer, sent with these headers. */
    EventSink around(EventSink sink, Map<String, String> sent) {
        synchronized (text) {
            status = 200;
            streamed = true;
            headers.putAll(sent);
        }
        return new EventSink() {
            @Override
            public boolean put(String event) {
                synchronized (text) {
                    text.append(event);
                }
                return sink.put(event);
            }

            @Override
            public void end() {
                sink.end();
            }
        };
    }

    /** A JSON answer, as it was written. */
    void json(int answered, Map<String, String> sent, byte[] body) {
        synchronized (text) {
            status = answered;
            headers.putAll(sent);
            text.append(new String(body, StandardCharsets.UTF_8));
        }
    }

    /** The status answered; 0 if nothing was recorded. */
    int status() {
        synchronized (text) {
            return status;
        }
    }

    Map<String, String> headers() {
        synchronized (text) {
            return Map.copyOf(headers);
        }
    }

    boolean streamed() {
        synchronized (text) {
            return streamed;
        }
    }

    String text() {
        synchronized (text) {
            return text.toString();
        }
    }
}
