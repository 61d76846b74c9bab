package dev.rotor.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Bounds what a connection can hold of the gateway: at most {@code max-connections} open at once (one more is closed as
 * it comes); a request whose headers or body stop arriving is dropped after {@code request-timeout}, with 408 when its
 * headers were read; a keep-alive connection idle (no request) for {@code idle-timeout} is closed. A request whose body
 * is in holds no timer while it waits for its model: its own deadline bounds that.
 */
final class ConnectionGuard {

    private static final OpenAiError TIMED_OUT = new OpenAiError(
            408,
            "The request did not arrive in time",
            "invalid_request_error",
            "request_timeout",
            null,
            OptionalLong.empty());

    private final Vertx vertx;
    private final ObjectMapper json;
    private final int maxConnections;
    private final long requestTimeoutMs;
    private final long idleTimeoutMs;
    private final AtomicInteger open = new AtomicInteger();
    private final Map<HttpConnection, Watch> watches = new ConcurrentHashMap<>();
    private final Counter refused;
    private final Counter timedOut;
    private final Counter idleClosed;

    ConnectionGuard(Vertx vertx, GatewaySettings settings, ObjectMapper json, MeterRegistry meters) {
        this.vertx = vertx;
        this.json = json;
        this.maxConnections = settings.maxConnections();
        this.requestTimeoutMs = settings.requestTimeout().toMillis();
        this.idleTimeoutMs = settings.idleTimeout().toMillis();
        Gauge.builder("rotor.gateway.connections", open, AtomicInteger::get)
                .description("Connections open to the gateway")
                .register(meters);
        this.refused = Counter.builder("rotor.gateway.connections.refused")
                .description("Connections closed as they came, past rotor.gateway.max-connections")
                .register(meters);
        this.timedOut = Counter.builder("rotor.gateway.requests.timed.out")
                .description(
                        "Requests whose headers or body stopped arriving, dropped at rotor.gateway.request-timeout")
                .register(meters);
        this.idleClosed = Counter.builder("rotor.gateway.connections.idle.closed")
                .description("Keep-alive connections closed after rotor.gateway.idle-timeout with no request")
                .register(meters);
    }

    /** A new connection: refused past the bound, else given request-timeout for its first request's headers. */
    void opened(HttpConnection connection) {
        if (open.incrementAndGet() > maxConnections) {
            open.decrementAndGet();
            refused.increment();
            connection.close();
            return;
        }
        Watch watch = new Watch();
        watches.put(connection, watch);
        connection.closeHandler(closed -> {
            open.decrementAndGet();
            watches.remove(connection);
            watch.cancel();
        });
        watch.arm(requestTimeoutMs, () -> dropped(connection, null));
    }

    /** A request's headers are in: its body has request-timeout to arrive. */
    void requestStarted(HttpServerRequest request) {
        Watch watch = watches.get(request.connection());
        if (watch != null) {
            watch.arm(requestTimeoutMs, () -> dropped(request.connection(), request.response()));
        }
    }

    /** The request's body is in: no timer while it is answered. */
    void bodyRead(HttpServerRequest request) {
        Watch watch = watches.get(request.connection());
        if (watch != null) {
            watch.cancel();
        }
    }

    /** The answer is out: the connection has idle-timeout for its next request. */
    void answered(HttpServerRequest request) {
        HttpConnection connection = request.connection();
        Watch watch = watches.get(connection);
        if (watch != null) {
            watch.arm(idleTimeoutMs, () -> {
                idleClosed.increment();
                connection.close();
            });
        }
    }

    private void dropped(HttpConnection connection, HttpServerResponse response) {
        timedOut.increment();
        if (response != null && !response.headWritten() && !response.closed()) {
            TIMED_OUT.writeTo(response.putHeader("Connection", "close"), json).onComplete(sent -> connection.close());
            return;
        }
        connection.close();
    }

    /**
     * One timer a connection. Armed and cancelled from its event loop and, for a streamed answer, from the relay's
     * thread: each arming has its number, and a timer fires only if it is still the latest, so a cancel is never lost.
     */
    private final class Watch {
        private long timer = -1;
        private long armed;

        synchronized void arm(long ms, Runnable then) {
            cancel();
            long mine = ++armed;
            timer = vertx.setTimer(ms, id -> fire(mine, then));
        }

        synchronized void cancel() {
            armed++;
            if (timer >= 0) {
                vertx.cancelTimer(timer);
                timer = -1;
            }
        }

        private void fire(long mine, Runnable then) {
            synchronized (this) {
                if (mine != armed) {
                    return;
                }
                timer = -1;
            }
            then.run();
        }
    }
}
