package dev.rotor.gateway;

import dev.rotor.chat.stream.FirstTokenLimits;
import dev.rotor.core.ExchangeKeys;
import dev.rotor.models.ModelSpec;
import dev.rotor.models.Provider;
import dev.rotor.rotation.TaskProgress;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.support.AsyncProcessorSupport;

/**
 * The HTTP call of a gateway request, streamed or not, bounded by the request's own deadline as well as by the read (or
 * first-token) timeout: when its time runs out the call is abandoned and the client has its answer at once.
 *
 * <ul>
 *   <li>A plain call goes out on the Vert.x of the gateway's HTTP server ({@link PlainCall}): sent and answered on the
 *       event loop that took the request, with no thread hand-off.
 *   <li>A streamed call uses the JDK's HttpClient: its body is relayed by blocking reads on a thread of
 *       {@code continuation}, and closing the stream drops the connection at once (Apache HttpClient, under camel-http,
 *       reads a chunked stream to its end first).
 * </ul>
 *
 * The answer's status and headers become the message's, as camel-http's would; a streamed 200's body stays a stream for
 * {@link dev.rotor.core.ModelCaller#read} (in {@link ExchangeKeys#STREAM_BODY}), any other is read whole.
 */
public final class GatewayCall extends AsyncProcessorSupport {

    /** Request headers that are the HTTP client's own business. */
    private static final Set<String> RESTRICTED = Set.of("content-length", "host", "connection", "upgrade", "expect");

    private static final int MAX_ERROR_BODY = 1024 * 1024;

    private final HttpClient client;
    private final Duration readTimeout;
    private final FirstTokenLimits firstTokens;
    private final boolean hedging;
    private final Clock clock;
    private final ScheduledExecutorService timer;
    private final Executor continuation;
    private final Duration connectTimeout;
    private volatile PlainCall plain;

    /**
     * @param readTimeout the longest a plain call may take to answer
     * @param firstTokens how long a streamed call to a model may take to send its headers: its first-token limit (the
     *     ceiling when {@code hedging}: the race is on the first content, after the headers)
     * @param timer abandons calls whose time ran out
     * @param continuation where the route goes on once a call has ended (a stream's relay holds its thread)
     */
    public GatewayCall(
            Duration connectTimeout,
            Duration readTimeout,
            FirstTokenLimits firstTokens,
            boolean hedging,
            Clock clock,
            ScheduledExecutorService timer,
            Executor continuation) {
        // the client's own work (reading an answer into a byte array or a stream's queue) never blocks: done on its
        // selector thread, it saves a hand-off to a pool thread and back per call
        this.client = HttpClient.newBuilder()
                .connectTimeout(connectTimeout)
                .version(HttpClient.Version.HTTP_1_1)
                .executor(Runnable::run)
                .build();
        this.readTimeout = readTimeout;
        this.firstTokens = firstTokens;
        this.hedging = hedging;
        this.clock = clock;
        this.timer = timer;
        this.continuation = continuation;
        this.connectTimeout = connectTimeout;
    }

    /**
     * Sends the call and returns at once; the route goes on once the answer (or a stream's head) is in, the call
     * failed, or its time ran out (the call is then abandoned): on the event loop for a plain call, on
     * {@code continuation}'s thread for a streamed one.
     */
    @Override
    public boolean process(Exchange exchange, AsyncCallback callback) {
        Message in = exchange.getIn();
        ModelSpec model = exchange.getProperty(ExchangeKeys.MODEL, ModelSpec.class);
        boolean streamed = exchange.getProperty(ExchangeKeys.STREAMED, false, Boolean.class);
        Duration wait;
        try {
            wait = within(streamed ? headersWithin(model) : readTimeout, exchange);
        } catch (HttpTimeoutException e) {
            exchange.setException(e);
            callback.done(true);
            return true;
        }
        Map<String, String> headers = new LinkedHashMap<>();
        for (Map.Entry<String, Object> h : in.getHeaders().entrySet()) {
            if (h.getValue() instanceof String value
                    && !h.getKey().startsWith("Camel")
                    && !RESTRICTED.contains(h.getKey().toLowerCase(Locale.ROOT))) {
                headers.put(h.getKey(), value);
            }
        }
        String body = in.getBody(String.class);
        if (!streamed) {
            PlainCall plain = this.plain;
            if (plain == null) {
                exchange.setException(
                        new IllegalStateException("the gateway's HTTP server is not up: no client for its calls"));
                callback.done(true);
                return true;
            }
            plain.send(model.provider(), headers, body, wait, (answer, failure) -> {
                if (failure != null) {
                    exchange.setException(failure instanceof Exception e ? e : new IOException(failure));
                } else {
                    Message message = exchange.getIn();
                    setHead(message, answer.status(), answer.headers());
                    message.setBody(answer.body());
                }
                callback.done(false);
            });
            return false;
        }
        CompletableFuture<HttpResponse<InputStream>> answer = openStream(model.provider(), headers, body);
        // cancelling the client's future abandons the call: it is not waited out
        ScheduledFuture<?> giveUp = timer.schedule(() -> answer.cancel(true), wait.toMillis(), TimeUnit.MILLISECONDS);
        answer.whenCompleteAsync(
                (response, failure) -> {
                    giveUp.cancel(false);
                    try {
                        if (failure != null) {
                            Exception why = why(failure, wait);
                            if (why instanceof HttpTimeoutException && wait.equals(headersWithin(model))) {
                                // left at its limit before even its headers: learned as a stream that took the limit
                                firstTokens.observed(model, wait);
                            }
                            exchange.setException(why);
                        } else {
                            streamAnswered(exchange, response);
                        }
                    } catch (IOException | RuntimeException e) {
                        exchange.setException(e);
                    }
                    callback.done(false);
                },
                continuation);
        return false;
    }

    private Duration headersWithin(ModelSpec model) {
        return hedging ? firstTokens.ceiling() : firstTokens.limitFor(model);
    }

    /**
     * A streamed call's answer, once its status and headers are in, its body a stream; cancelling the future abandons
     * the call.
     */
    public CompletableFuture<HttpResponse<InputStream>> openStream(
            Provider provider, Map<String, String> headers, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(provider.chatCompletionsUrl())
                .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
        headers.forEach(request::setHeader);
        request.setHeader("Accept", "text/event-stream");
        return client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    /**
     * Plain calls go out on the Vert.x of the gateway's HTTP server, once it is up, with at most {@code maxConnections}
     * open to each provider.
     */
    public void servedOn(Vertx vertx, int maxConnections) {
        plain = new PlainCall(vertx, connectTimeout, maxConnections);
    }

    private static void streamAnswered(Exchange exchange, HttpResponse<InputStream> response) throws IOException {
        Message in = exchange.getIn();
        Map<String, String> head = new LinkedHashMap<>();
        response.headers().map().forEach((name, values) -> {
            if (!values.isEmpty() && !name.startsWith(":")) {
                head.put(name, values.get(0));
            }
        });
        setHead(in, response.statusCode(), head);
        if (response.statusCode() == 200) {
            exchange.setProperty(ExchangeKeys.STREAM_BODY, response.body());
            in.setBody(null);
        } else {
            try (InputStream body = response.body()) {
                in.setBody(new String(body.readNBytes(MAX_ERROR_BODY), StandardCharsets.UTF_8));
            }
        }
    }

    /** What the failed call throws into the route: a timeout as a timeout, an I/O failure as itself. */
    private static Exception why(Throwable failure, Duration wait) {
        Throwable cause =
                failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
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

    /** The answer's status and headers become the message's, as camel-http's would. */
    private static void setHead(Message in, int status, Map<String, String> headers) {
        in.removeHeaders("*");
        headers.forEach(in::setHeader);
        in.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
    }
}
