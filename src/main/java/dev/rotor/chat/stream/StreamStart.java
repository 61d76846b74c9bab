package dev.rotor.chat.stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.chat.ErrorClassifier;
import dev.rotor.chat.Failure;
import dev.rotor.chat.FailureKind;
import dev.rotor.chat.ModelCallException;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;

/**
 * Reads a provider's stream up to its first content chunk, where a streamed call is decided: until then any failure (an
 * error event, a cut, an end, no first chunk in time) is the call's and rotates like any other; keep-alive comments are
 * skipped and malformed chunks dropped.
 */
public final class StreamStart {

    private final ObjectMapper json;
    private final ErrorClassifier classifier;
    private final ScheduledExecutorService timer;

    public StreamStart(ObjectMapper json, ErrorClassifier classifier, ScheduledExecutorService timer) {
        this.json = json;
        this.classifier = classifier;
        this.timer = timer;
    }

    /** @param within how long the first content chunk may take from now */
    public OpenStream await(InputStream body, Function<String, String> header, Duration within)
            throws ModelCallException {
        SseReader reader = new SseReader(body);
        AtomicBoolean late = new AtomicBoolean();
        ScheduledFuture<?> guard = timer.schedule(
                () -> {
                    late.set(true);
                    reader.close();
                },
                Math.max(1, within.toMillis()),
                TimeUnit.MILLISECONDS);
        List<SseEvent> held = new ArrayList<>();
        int skipped = 0;
        boolean opened = false;
        try {
            SseEvent event;
            while ((event = reader.next()) != null) {
                if (event.kind() == SseEvent.Kind.COMMENT) {
                    continue;
                }
                if (event.isDone()) {
                    break;
                }
                JsonNode chunk = StreamChunks.parse(json, event.text());
                if (chunk == null) {
                    skipped++;
                    continue;
                }
                if (chunk.hasNonNull("error")) {
                    throw new ModelCallException(classifier.streamError(chunk.get("error"), header));
                }
                held.add(event);
                String content = StreamChunks.content(chunk);
                if (content != null) {
                    opened = true;
                    return new OpenStream(reader, held, content, skipped);
                }
            }
            throw fail("the stream ended before any content");
        } catch (IOException e) {
            if (late.get()) {
                throw new ModelCallException(Failure.silent(200, "no first token within " + within.toMillis() + " ms"));
            }
            throw fail("the stream broke before any content: " + e.getClass().getSimpleName());
        } finally {
            guard.cancel(false);
            if (!opened) {
                reader.close();
            }
        }
    }

    private static ModelCallException fail(String why) {
        return new ModelCallException(Failure.of(FailureKind.TRANSIENT, 200, why));
    }
}
