package dev.rotor.chat.stream;

import dev.rotor.chat.ModelCallException;
import dev.rotor.limits.Permit;
import dev.rotor.models.ModelSpec;
import dev.rotor.rotation.TaskProgress;
import dev.rotor.task.Task;
import dev.rotor.tracing.StreamedCall;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.time.Instant;

/**
 * A streamed request whose first token is late for its model ({@link FirstTokenLimits}) may be asked of the next free
 * model too ({@code rotor.gateway.hedge=true}): the first to send content wins, the other is cancelled.
 */
public interface Hedging {

    /** No hedging: the stream is awaited to its limit, and a late one fails and rotates. */
    Hedging OFF = new Hedging() {
        @Override
        public boolean on() {
            return false;
        }

        @Override
        public Won race(TaskProgress progress, Task task, Call original, Duration hedgeAt) {
            throw new UnsupportedOperationException("hedging is off");
        }
    };

    /** The request's own call: its model and permit, when it began, and its stream to await. */
    record Call(ModelSpec model, Permit permit, Instant at, InputStream body, StreamAwait await) {
        /** Drops the call's connection: its await ends at once. */
        public void close() {
            try {
                body.close();
            } catch (IOException ignored) {
                // dropped is all that was asked
            }
        }
    }

    /** Awaits a stream's first content. */
    @FunctionalInterface
    interface StreamAwait {
        OpenStream await() throws ModelCallException;
    }

    /** The stream that sent content first, and the model and permit it belongs to; {@code hedge}: not the original. */
    /** @param hedgeCall the hedge's own call when the hedge won (its span, its duration), else null */
    record Won(ModelSpec model, Permit permit, OpenStream open, boolean hedge, StreamedCall hedgeCall) {}

    boolean on();

    /**
     * Awaits the original's first content; if none has come by {@code hedgeAt}, asks the next free model too, and
     * returns whichever sends content first, the other cancelled and recorded. Throws when neither does.
     */
    Won race(TaskProgress progress, Task task, Call original, Duration hedgeAt) throws ModelCallException;
}
