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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.apache.camel.Exchange;
import org.apache.camel.Message;

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
public final class GatewayCall {

    /** Request headers that are the HTTP client's own business. */
    private static final Set<String> RESTRICTED = Set.of("content-length", "host", "connection", "upgrade", "expect");
    private static final int MAX_ERROR_BODY = 1024 * 1024;

    private final HttpClient client;
    private final Duration readTimeout;
    private final Duration headersWithin;
    private final Clock clock;

    /**
     * @param readTimeout   the longest a plain call may take to answer
     * @param headersWithin the longest a streamed call may take to send its headers (the first-token timeout)
     */
    public GatewayCall(Duration connectTimeout, Duration readTimeout, Duration headersWithin, Clock clock) {
        // the client's own work (reading an answer into a byte array or a stream's queue) never blocks: done on its
        // selector thread, it saves a hand-off to a pool thread and back per call
        this.client = HttpClient.newBuilder().connectTimeout(connectTimeout).version(HttpClient.Version.HTTP_1_1)
                .executor(Runnable::run).build();
        this.readTimeout = readTimeout;
        this.headersWithin = headersWithin;
        this.clock = clock;
    }

    public void call(Exchange exchange) throws IOException, InterruptedException {
        Message in = exchange.getIn();
        ModelSpec model = exchange.getProperty(ExchangeKeys.MODEL, ModelSpec.class);
        boolean streamed = exchange.getProperty(ExchangeKeys.STREAMED, false, Boolean.class);
        Duration wait = within(streamed ? headersWithin : readTimeout, exchange);
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
            HttpResponse<InputStream> response = await(client.sendAsync(request.build(),
                    HttpResponse.BodyHandlers.ofInputStream()), wait);
            copyHead(response, in);
            if (response.statusCode() == 200) {
                exchange.setProperty(ExchangeKeys.STREAM_BODY, response.body());
                in.setBody(null);
            } else {
                try (InputStream body = response.body()) {
                    in.setBody(new String(body.readNBytes(MAX_ERROR_BODY), StandardCharsets.UTF_8));
                }
            }
        } else {
            HttpResponse<byte[]> response = await(client.sendAsync(request.build(), HttpResponse.BodyHandlers.ofByteArray()),
                    wait);
            copyHead(response, in);
            in.setBody(new String(response.body(), StandardCharsets.UTF_8));
        }
    }

    /** The timeout, or less: what is left of the request's deadline. */
    private Duration within(Duration timeout, Exchange exchange) throws HttpTimeoutException {
        TaskProgress progress = exchange.getProperty(ExchangeKeys.PROGRESS, TaskProgress.class);
        if (progress == null) {
            return timeout;
        }
        Duration left = Duration.between(clock.instant(), progress.deadline());
        if (left.isNegative() || left.isZero()) {
            throw new HttpTimeoutException("the request's deadline passed before the call");
        }
        return left.compareTo(timeout) < 0 ? left : timeout;
    }

    /** The answer (its whole body, or a stream's head) within {@code wait}, or the call abandoned. */
    private static <T> HttpResponse<T> await(CompletableFuture<HttpResponse<T>> answer, Duration wait)
            throws IOException, InterruptedException {
        try {
            return answer.get(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            answer.cancel(true);
            throw new HttpTimeoutException("no answer within " + wait.toMillis() + " ms; the call was abandoned");
        } catch (InterruptedException e) {
            answer.cancel(true);
            throw e;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(e.getCause());
        }
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
