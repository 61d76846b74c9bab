package dev.rotor.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotor.chat.stream.OpenStream;
import dev.rotor.chat.stream.SseEvent;
import dev.rotor.chat.stream.StreamChunks;
import dev.rotor.models.ModelSpec;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Relays a provider's stream to the caller from its first content chunk on, chunk by chunk as they come, each naming
 * the model that serves. It ends the caller's stream with {@code [DONE]} only when the answer is whole (the provider's
 * {@code [DONE]}, or a clean end after a finish reason). A provider's error event, a cut, or a stall longer than the
 * stall timeout is a break: another model finishes the answer from the text the caller has when one can
 * ({@link StreamRescue}), its text joined at the {@link Seam}; else the stream ends with an error event in OpenAI's
 * shape and no {@code [DONE]}, so a truncated answer never reads as a success. Keep-alive comments pass; malformed
 * chunks are dropped and counted.
 */
final class StreamRelay {

    /** What the relay is told as it goes. */
    interface Events {
        void skipped();

        /** The model's stream broke; {@code resumed}: another model takes the answer over. */
        void broken(ModelSpec model, String cause, boolean resumed);

        void usage(ModelSpec model, JsonNode usage);

        /** The serving stream gave its finish reason. */
        void finished(String reason);
    }

    private final String id;
    private final EventSink sink;
    private final ObjectMapper json;
    private final Clock clock;
    private final ScheduledExecutorService timer;
    private final Duration stall;
    private final Events events;
    private final StreamRescue.Resumer resumer;
    private final StreamUsage usage;
    /** All the text the caller has had. */
    private final StringBuilder sent = new StringBuilder();

    private volatile OpenStream open;
    private ModelSpec model;
    /** The prefill the serving model was sent, empty for the first. */
    private String prefill = "";
    /** The text the serving model gave. */
    private final StringBuilder given = new StringBuilder();

    private Seam seam;
    private String lastChunkId;
    /** The serving stream gave its finish reason: the answer is whole, whatever comes after. */
    private boolean finished;
    /** A tool call went out: a text prefill cannot finish it. */
    private boolean toolCallsSent;

    private volatile boolean stopped;

    StreamRelay(
            OpenStream open,
            ModelSpec model,
            String id,
            EventSink sink,
            ObjectMapper json,
            Clock clock,
            ScheduledExecutorService timer,
            Duration stall,
            Events events,
            StreamRescue.Resumer resumer,
            StreamUsage usage) {
        this.open = open;
        this.model = model;
        this.id = id;
        this.sink = sink;
        this.json = json;
        this.clock = clock;
        this.timer = timer;
        this.stall = stall;
        this.events = events;
        this.resumer = resumer;
        this.usage = usage;
    }

    /** Relays the stream to its end; returns the model that served its end (another, after a takeover). */
    ModelSpec run() {
        try {
            while (true) {
                String broken = relay();
                if (broken == null) {
                    return model;
                }
                Optional<StreamRescue.Resumed> resumed =
                        stopped || toolCallsSent ? Optional.empty() : resumer.resume(model, sent.toString(), broken);
                if (stopped) {
                    // Rotor stops: no takeover, and no failure of the model's
                    resumed.ifPresent(r -> r.open().reader().close());
                    brokeOff("Rotor is stopping");
                    return model;
                }
                events.broken(model, broken, resumed.isPresent());
                if (resumed.isEmpty()) {
                    brokeOff(broken);
                    return model;
                }
                open.reader().close();
                usage.broke(prefill, given.toString());
                open = resumed.get().open();
                model = resumed.get().model();
                prefill = sent.toString().stripTrailing();
                given.setLength(0);
                finished = false;
                seam = new Seam(sent.toString());
            }
        } finally {
            open.reader().close();
            sink.end();
        }
    }

    /** Drops the provider's stream: the relay sees it break at once. */
    void stop() {
        stopped = true;
        open.reader().close();
    }

    /** Relays the serving model's stream; null when it ended (whole, or its caller gone), else why it broke. */
    private String relay() {
        AtomicBoolean stalled = new AtomicBoolean();
        try {
            for (int i = 0; i < open.skipped(); i++) {
                events.skipped();
            }
            for (SseEvent held : open.held()) {
                JsonNode chunk = StreamChunks.parse(json, held.text());
                if (chunk != null && !pass(chunk)) {
                    return null;
                }
            }
            while (true) {
                SseEvent event = nextWithin(stalled);
                if (event == null) {
                    if (finished) {
                        // the provider ended cleanly without [DONE]: the answer is whole, say so at once
                        done();
                        return null;
                    }
                    return "the provider's stream ended before the answer was finished";
                }
                if (event.kind() == SseEvent.Kind.COMMENT) {
                    if (!sink.put(": " + event.text() + "\n\n")) {
                        return null;
                    }
                    continue;
                }
                if (event.isDone()) {
                    done();
                    return null;
                }
                JsonNode chunk = StreamChunks.parse(json, event.text());
                if (chunk == null) {
                    events.skipped();
                    continue;
                }
                if (chunk.hasNonNull("error")) {
                    return whole("the provider reported an error mid-stream: "
                            + chunk.path("error").path("message").asText("no message"));
                }
                if (StreamChunks.finishes(chunk)) {
                    finished = true;
                    events.finished(
                            chunk.path("choices").path(0).path("finish_reason").asText());
                }
                if (!pass(chunk)) {
                    return null;
                }
            }
        } catch (IOException e) {
            return whole(
                    stalled.get()
                            ? "the provider sent nothing for " + stall.toMillis() + " ms"
                            : "the provider's stream broke: " + e.getClass().getSimpleName());
        }
    }

    /** A break after the finish reason ends a whole answer: it is finished; before it, the break is the cause. */
    private String whole(String cause) {
        if (finished && !stopped) {
            done();
            return null;
        }
        return cause;
    }

    /**
     * One chunk to the caller, its text through the seam after a takeover, its usage summed over the calls; false when
     * the caller is gone: nothing more is read from the provider.
     */
    private boolean pass(JsonNode chunk) {
        if (!(chunk instanceof ObjectNode o)) {
            return true;
        }
        lastChunkId = o.path("id").asText(id);
        JsonNode choice = o.path("choices").path(0);
        String content = StreamChunks.content(chunk);
        if (content != null) {
            given.append(content);
        }
        boolean toolCalls = choice.path("delta").path("tool_calls").isArray();
        toolCallsSent |= toolCalls;
        if (seam != null && choice.path("delta") instanceof ObjectNode delta) {
            String text =
                    (content == null ? "" : seam.next(content)) + (StreamChunks.finishes(chunk) ? seam.end() : "");
            delta.remove("role");
            if (text.isEmpty()
                    && !toolCalls
                    && !StreamChunks.finishes(chunk)
                    && !o.path("usage").isObject()) {
                // the continuation's opening, or text held at the seam: nothing new for the caller yet
                return true;
            }
            delta.put("content", text);
            content = text;
        }
        if (content != null) {
            sent.append(content);
        }
        if (o.path("usage") instanceof ObjectNode reported) {
            events.usage(model, reported);
            usage.addTo(reported);
        }
        o.put("model", model.id());
        return sink.put("data: " + o + "\n\n");
    }

    /** The answer is whole: text still held at the seam goes first, then {@code [DONE]}. */
    private void done() {
        if (seam != null) {
            String rest = seam.end();
            if (!rest.isEmpty()) {
                ObjectNode chunk = chunk(lastChunkId == null ? id : lastChunkId);
                chunk.withArray("choices")
                        .addObject()
                        .put("index", 0)
                        .putNull("finish_reason")
                        .putObject("delta")
                        .put("content", rest);
                sent.append(rest);
                if (!sink.put("data: " + chunk + "\n\n")) {
                    return;
                }
            }
        }
        sink.put("data: " + SseEvent.DONE + "\n\n");
    }

    private SseEvent nextWithin(AtomicBoolean stalled) throws IOException {
        ScheduledFuture<?> guard = timer.schedule(
                () -> {
                    stalled.set(true);
                    open.reader().close();
                },
                stall.toMillis(),
                TimeUnit.MILLISECONDS);
        try {
            return open.reader().next();
        } finally {
            guard.cancel(false);
        }
    }

    private ObjectNode chunk(String chunkId) {
        ObjectNode event = json.createObjectNode();
        event.put("id", chunkId);
        event.put("object", "chat.completion.chunk");
        event.put("created", clock.instant().getEpochSecond());
        event.put("model", model.id());
        return event;
    }

    private void brokeOff(String cause) {
        ObjectNode event = chunk(id);
        ObjectNode choice = event.putArray("choices").addObject();
        choice.put("index", 0);
        choice.putObject("delta");
        choice.put("finish_reason", "error");
        event.putObject("error")
                .put("message", cause)
                .put("type", "server_error")
                .put("code", "stream_broken")
                .putNull("param");
        sink.put("data: " + event + "\n\n");
    }
}
