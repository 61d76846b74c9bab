package dev.rotor.chat.stream;

import java.util.List;

/**
 * A provider's stream that reached its first content chunk: the events read so far (to be sent first, that chunk last)
 * and the reader for the rest.
 */
public record OpenStream(SseReader reader, List<SseEvent> held, String firstContent, int skipped) {

    public OpenStream {
        held = List.copyOf(held);
    }
}
