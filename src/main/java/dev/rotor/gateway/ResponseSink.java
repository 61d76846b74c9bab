package dev.rotor.gateway;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Writes a streamed answer's events straight to the caller's HTTP response, each as it comes. (A body handed to Camel's
 * platform-http as a stream would be read in 8 KiB blocks: a chat stream's few-byte chunks would wait for the whole
 * answer.) Once it has ended the response, the HTTP server writes nothing more for the exchange.
 */
final class ResponseSink implements EventSink {

    private final HttpServerResponse response;
    private final Duration stall;

    ResponseSink(HttpServerResponse response, Duration stall) {
        this.response = response;
        this.stall = stall;
    }

    @Override
    public boolean put(String event) {
        if (response.closed()) {
            return false;
        }
        CompletableFuture<Void> written = new CompletableFuture<>();
        response.write(Buffer.buffer(event)).onComplete(r -> written.complete(null));
        try {
            // a caller that reads nothing for as long as a provider may be silent is gone
            written.get(stall.toMillis(), TimeUnit.MILLISECONDS);
            return !response.closed();
        } catch (Exception e) {
            return false;
        }
    }

    @Override
    public void end() {
        if (!response.ended()) {
            try {
                // also when the caller has gone: an ended response is one the HTTP server writes nothing more to
                response.end();
            } catch (IllegalStateException alreadyGone) {
                // nothing more can be written: that is all end() was for
            }
        }
    }
}
