package dev.rotor.gateway;

import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import dev.rotor.chat.stream.OpenStream;
import dev.rotor.chat.stream.SseEvent;
import dev.rotor.chat.stream.StreamChunks;

/**
 * Relays a provider's stream to the caller from its first content chunk on, chunk by chunk as they come, each
 * naming the model that serves. It ends the caller's stream with {@code [DONE]} only when the answer is whole (the
 * provider's {@code [DONE]}, or a clean end after a finish reason); a provider's error event, a cut, or a stall
 * longer than the stall timeout ends it with an error event in OpenAI's shape and no {@code [DONE]}, so a truncated
 * answer never reads as a success. Keep-alive comments pass; malformed chunks are dropped and counted.
 */
final class StreamRelay implements Runnable {

    private final OpenStream open;
    private final String model;
    private final String id;
    private final EventSink sink;
    private final ObjectMapper json;
    private final Clock clock;
    private final ScheduledExecutorService timer;
    private final Duration stall;
    private final Runnable onSkipped;
    private final Consumer<String> onBroken;
    private final Consumer<JsonNode> onUsage;

    StreamRelay(OpenStream open, String model, String id, EventSink sink, ObjectMapper json, Clock clock,
                ScheduledExecutorService timer, Duration stall, Runnable onSkipped, Consumer<String> onBroken,
                Consumer<JsonNode> onUsage) {
        this.onUsage = onUsage;
        this.open = open;
        this.model = model;
        this.id = id;
        this.sink = sink;
        this.json = json;
        this.clock = clock;
        this.timer = timer;
        this.stall = stall;
        this.onSkipped = onSkipped;
        this.onBroken = onBroken;
    }

    @Override
    public void run() {
        AtomicBoolean stalled = new AtomicBoolean();
        try {
            for (int i = 0; i < open.skipped(); i++) {
                onSkipped.run();
            }
            for (SseEvent held : open.held()) {
                if (!send(rewrite(StreamChunks.parse(json, held.text())))) {
                    return;
                }
            }
            boolean finished = false;
            while (true) {
                SseEvent event = nextWithin(stalled);
                if (event == null) {
                    if (finished) {
                        // the provider ended cleanly without [DONE]: the answer is whole, say so at once
                        send("data: " + SseEvent.DONE + "\n\n");
                    } else {
                        broke("the provider's stream ended before the answer was finished");
                    }
                    return;
                }
                if (event.kind() == SseEvent.Kind.COMMENT) {
                    if (!send(": " + event.text() + "\n\n")) {
                        return;
                    }
                    continue;
                }
                if (event.isDone()) {
                    send("data: " + SseEvent.DONE + "\n\n");
                    return;
                }
                JsonNode chunk = StreamChunks.parse(json, event.text());
                if (chunk == null) {
                    onSkipped.run();
                    continue;
                }
                if (chunk.hasNonNull("error")) {
                    broke("the provider reported an error mid-stream: "
                            + chunk.path("error").path("message").asText("no message"));
                    return;
                }
                finished |= StreamChunks.finishes(chunk);
                if (chunk.path("usage").isObject()) {
                    onUsage.accept(chunk.get("usage"));
                }
                if (!send(rewrite(chunk))) {
                    return;
                }
            }
        } catch (IOException e) {
            broke(stalled.get() ? "the provider sent nothing for " + stall.toMillis() + " ms"
                    : "the provider's stream broke: " + e.getClass().getSimpleName());
        } finally {
            open.reader().close();
            sink.end();
        }
    }

    private SseEvent nextWithin(AtomicBoolean stalled) throws IOException {
        ScheduledFuture<?> guard = timer.schedule(() -> {
            stalled.set(true);
            open.reader().close();
        }, stall.toMillis(), TimeUnit.MILLISECONDS);
        try {
            return open.reader().next();
        } finally {
            guard.cancel(false);
        }
    }

    private String rewrite(JsonNode chunk) {
        if (chunk instanceof ObjectNode o) {
            o.put("model", model);
        }
        return "data: " + chunk + "\n\n";
    }

    /** False when the caller is gone: nothing more is read from the provider. */
    private boolean send(String event) {
        return sink.put(event);
    }

    private void broke(String cause) {
        ObjectNode event = json.createObjectNode();
        event.put("id", id);
        event.put("object", "chat.completion.chunk");
        event.put("created", clock.instant().getEpochSecond());
        event.put("model", model);
        ObjectNode choice = event.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putObject("delta");
        choice.put("finish_reason", "error");
        event.putObject("error").put("message", cause).put("type", "server_error").put("code", "stream_broken")
                .putNull("param");
        onBroken.accept(cause);
        send("data: " + event + "\n\n");
    }
}
