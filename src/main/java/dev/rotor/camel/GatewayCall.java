package dev.rotor.camel;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.support.AsyncProcessorSupport;

import dev.rotor.models.ModelSpec;
import dev.rotor.rotation.TaskProgress;

/**
 * The HTTP call of a gateway request, streamed or not. It uses the JDK's HttpClient, not camel-http, for two things a
 * waiting client needs: a call can be abandoned at once (closing one of its response streams drops the connection,
 * where Apache HttpClient reads a chunked stream to its end first), and each call is bounded by the request's own
 * deadline, not only by the read timeout: when the deadline passes, the call is given up and the client has its
 * answer. The answer's status and headers become the message's, as camel-http's would; a streamed 200's body stays a
 * stream for {@link ModelCaller#read} (in {@link ExchangeKeys#STREAM_BODY}), any other is read whole.
 */
public final class GatewayCall extends AsyncProcessorSupport {

    /** Request headers that are the HTTP client's own business. */
    private static final Set<String> RESTRICTED = Set.of("content-length", "host", "connection", "upgrade", "expect");
    private static final int MAX_ERROR_BODY = 1024 * 1024;

    private final HttpClient client;
    private final Duration readTimeout;
    private final Duration headersWithin;
    private final Clock clock;
    private final ScheduledExecutorService timer;
    private final Executor continuation;

    /**
     * @param readTimeout   the longest a plain call may take to answer
     * @param headersWithin the longest a streamed call may take to send its headers (the first-token timeout)
     * @param timer         abandons calls whose time ran out
     * @param continuation  where the route goes on once a call has ended (a stream's relay holds its thread)
     */
    public GatewayCall(Duration connectTimeout, Duration readTimeout, Duration headersWithin, Clock clock,
                       ScheduledExecutorService timer, Executor continuation) {
        // the client's own work (reading an answer into a byte array or a stream's queue) never blocks: done on its
        // selector thread, it saves a hand-off to a pool thread and back per call
        this.client = HttpClient.newBuilder().connectTimeout(connectTimeout).version(HttpClient.Version.HTTP_1_1)
                .executor(Runnable::run).build();
        this.readTimeout = readTimeout;
        this.headersWithin = headersWithin;
        this.clock = clock;
        this.timer = timer;
        this.continuation = continuation;
    }

    /**
     * Sends the call and returns at once; the route goes on, on {@code continuation}'s thread, once the answer (or a
     * stream's head) is in, the call failed, or its time ran out (the call is then abandoned).
     */
    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        Message in = exchange.getIn();
        ModelSpec model = exchange.getProperty(ExchangeKeys.MODEL, ModelSpec.class);
        boolean streamed = exchange.getProperty(ExchangeKeys.STREAMED, false, Boolean.class);
        Duration wait;
        try {
            wait = within(streamed ? headersWithin : readTimeout, exchange);
        } catch (HttpTimeoutException e) {
            exchange.setException(e);
            callback.done(true);
            return true;
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(model.provider().chatCompletionsUrl())
                .POST(HttpRequest.BodyPublishers.ofString(in.getBody(String.class), StandardCharsets.UTF_8));
        for (Map.Entry<String, Object> h : in.getHeaders().entrySet()) {
            if (h.getValue() instanceof String value && !h.getKey().startsWith("Camel")
                    && !RESTRICTED.contains(h.getKey().toLowerCase(java.util.Locale.ROOT))) {
                request.setHeader(h.getKey(), value);
            }
        }
        if (streamed) {
            request.setHeader("Accept", "text/event-stream");
        }
        CompletableFuture<? extends HttpResponse<?>> answer = streamed
                ? client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofInputStream())
                : client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        // cancelling the client's future abandons the call: it is not waited out
        ScheduledFuture<?> giveUp = timer.schedule(() -> answer.cancel(true), wait.toMillis(), TimeUnit.MILLISECONDS);
        answer.whenCompleteAsync((response, failure) -> {
            giveUp.cancel(false);
            try {
                if (failure != null) {
                    exchange.setException(why(failure, wait));
                } else {
                    answered(exchange, response, streamed);
                }
            } catch (IOException | RuntimeException e) {
                exchange.setException(e);
            }
            callback.done(false);
        }, continuation);
        return false;
    }

    private static void answered(Exchange exchange, HttpResponse<?> response, boolean streamed) throws IOException {
        Message in = exchange.getIn();
        copyHead(response, in);
        if (!streamed) {
            in.setBody(new String((byte[]) response.body(), StandardCharsets.UTF_8));
        } else if (response.statusCode() == 200) {
            exchange.setProperty(ExchangeKeys.STREAM_BODY, response.body());
            in.setBody(null);
        } else {
            try (InputStream body = (InputStream) response.body()) {
                in.setBody(new String(body.readNBytes(MAX_ERROR_BODY), StandardCharsets.UTF_8));
            }
        }
    }

    /** What the failed call throws into the route: a timeout as a timeout, an I/O failure as itself. */
    private static Exception why(Throwable failure, Duration wait) {
        Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof CancellationException) {
            return new HttpTimeoutException("no answer within " + wait.toMillis() + " ms; the call was abandoned");
        }
        return cause instanceof Exception e ? e : new IOException(cause);
    }

    /** The timeout, or less: what is left of the request's deadline. */
    private Duration within(Duration timeout, Exchange exchange) throws HttpTimeoutException {
        TaskProgress progress = exchange.getProperty(ExchangeKeys.PROGRESS, TaskProgress.class);
        if (progress == null) {
            return timeout;
        }
        Duration wait = progress.within(timeout, clock.instant());
        if (wait.isNegative() || wait.isZero()) {
            throw new HttpTimeoutException("the request's deadline passed before the call");
        }
        return wait;
    }

    private static void copyHead(HttpResponse<?> response, Message in) {
        in.removeHeaders("*");
        response.headers().map().forEach((name, values) -> {
            if (!values.isEmpty() && !name.startsWith(":")) {
                in.setHeader(name, values.get(0));
            }
        });
        in.setHeader(Exchange.HTTP_RESPONSE_CODE, response.statusCode());
    }
}
