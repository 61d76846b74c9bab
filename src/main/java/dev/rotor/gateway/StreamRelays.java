package dev.rotor.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.chat.Failure;
import dev.rotor.chat.FailureKind;
import dev.rotor.chat.stream.OpenStream;
import dev.rotor.metrics.RotorMetrics;
import dev.rotor.models.ModelSpec;
import dev.rotor.rotation.RotationPolicy;
import dev.rotor.tracing.StreamedCall;
import dev.rotor.tracing.Traces;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.http.HttpServerResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** Relays streamed answers to their callers, and counts what streams drop and how they break. */
public final class StreamRelays {

    private static final Logger LOG = LoggerFactory.getLogger(StreamRelays.class);

    private final ObjectMapper json;
    private final Clock clock;
    private final ScheduledExecutorService timer;
    private final Duration stall;
    private final RotationPolicy policy;
    private final RotorMetrics metrics;
    private final MeterRegistry meters;
    private final Counter skipped;
    private final Set<StreamRelay> relays = ConcurrentHashMap.newKeySet();
    private volatile boolean stopping;

    public StreamRelays(
            ObjectMapper json,
            Clock clock,
            ScheduledExecutorService timer,
            Duration stall,
            RotationPolicy policy,
            RotorMetrics metrics,
            MeterRegistry meters) {
        this.json = json;
        this.clock = clock;
        this.timer = timer;
        this.stall = stall;
        this.policy = policy;
        this.metrics = metrics;
        this.meters = meters;
        this.skipped = Counter.builder("rotor.gateway.stream.chunks.skipped")
                .description("Malformed chunks in providers' streams, dropped before they reached a caller")
                .register(meters);
    }

    /**
     * Relays the stream to the caller's response, headers already set, and returns when it has ended. It runs on the
     * thread that serves the request, which Camel's platform-http holds for the exchange in any case.
     *
     * @param recording where the events are recorded as well (a request with an Idempotency-Key); null: nowhere
     * @param headers the headers the stream was sent with, for the recording
     * @param resumer finishes the answer on another model when the stream breaks
     * @param promptTokens the request's prompt tokens as counted at intake, for the usage of a call that broke
     * @return the model that served the stream's end
     */
    ModelSpec relay(
            OpenStream open,
            ModelSpec model,
            String id,
            HttpServerResponse response,
            AnswerRecording recording,
            Map<String, String> headers,
            StreamRescue.Resumer resumer,
            long promptTokens,
            StreamedCall call) {
        EventSink sink = new ResponseSink(response, stall);
        StreamEnd end = new StreamEnd(call);
        StreamRelay relay = new StreamRelay(
                open,
                model,
                id,
                recording == null ? sink : recording.around(sink, headers),
                json,
                clock,
                timer,
                stall,
                events(id, end),
                (broken, sent, cause) -> stopping ? Optional.empty() : end.resume(resumer, broken, sent, cause),
                new StreamUsage(promptTokens));
        relays.add(relay);
        try {
            if (stopping) {
                relay.stop();
            }
            ModelSpec served = relay.run();
            end.ended(served, null);
            return served;
        } finally {
            relays.remove(relay);
            // a relay that failed ends the call all the same, and a takeover that was never relayed
            end.ended(model, "the relay ended with an error");
            end.dropNext();
        }
    }

    /** Rotor stops: every stream still relayed ends now, with an error event, and none is taken over. */
    public void stop() {
        stopping = true;
        relays.forEach(StreamRelay::stop);
    }

    /**
     * The first call's end: where its stream broke (another model may finish the answer: its call is not this one), or
     * where the answer ended, with its usage and finish reason; its span and its duration under the GenAI meters.
     */
    private final class StreamEnd {
        private StreamedCall call;
        /** The call that finishes the answer after a break, once one does. */
        private StreamedCall next;

        private JsonNode usage;
        private String finishReason;

        private StreamEnd(StreamedCall call) {
            this.call = call;
        }

        /** The stream broke: this call ends here, before another is asked to finish the answer. */
        private Optional<StreamRescue.Resumed> resume(
                StreamRescue.Resumer resumer, ModelSpec broken, String sent, String cause) {
            ended(broken, cause);
            Optional<StreamRescue.Resumed> resumed = resumer.resume(broken, sent, cause);
            resumed.ifPresent(r -> next = r.call());
            return resumed;
        }

        private void dropNext() {
            if (next != null) {
                next.endUnlessEnded("its stream was never relayed");
                next = null;
            }
        }

        /** The stream broke (its call ended already if another was asked): the one that took over is next. */
        private void broke(ModelSpec model, String cause) {
            ended(model, cause);
            call = next;
            next = null;
        }

        /** @param broken why the stream broke, null when it ended whole */
        private void ended(ModelSpec model, String broken) {
            if (call == null) {
                return;
            }
            Traces.streamEnded(
                    call, model.id(), broken == null ? finishReason : null, broken == null ? usage : null, broken);
            metrics.operation(model, model.id(), call.elapsed(), broken == null ? "" : "stream_broken");
            call = null;
        }
    }

    private StreamRelay.Events events(String id, StreamEnd end) {
        return new StreamRelay.Events() {
            @Override
            public void skipped() {
                skipped.increment();
            }

            @Override
            public void broken(ModelSpec model, String cause, boolean resumed) {
                StreamRelays.this.broken(model, id, cause, resumed);
                end.broke(model, cause);
            }

            @Override
            public void usage(ModelSpec model, JsonNode usage) {
                metrics.streamedUsage(model, usage);
                end.usage = usage;
            }

            @Override
            public void finished(String reason) {
                end.finishReason = reason;
            }
        };
    }

    private void broken(ModelSpec model, String id, String cause, boolean resumed) {
        try (var task = MDC.putCloseable("task", id);
                var m = MDC.putCloseable("model", model.id())) {
            if (resumed) {
                LOG.info("stream broke ({}): another model finishes the answer", cause);
            } else {
                LOG.warn("stream to the caller ended with an error event: {}", cause);
            }
        }
        Failure failure = Failure.of(FailureKind.TRANSIENT, 200, cause);
        policy.streamBroke(model, failure);
        metrics.failed(model, Duration.ZERO, failure);
        Counter.builder("rotor.gateway.streams.broken")
                .tag("model", model.id())
                .description("Streamed answers that broke after their first chunk (finished by another model or ended "
                        + "with an error event)")
                .register(meters)
                .increment();
    }
}
