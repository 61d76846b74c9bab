package dev.rotor.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.core.ExchangeKeys;
import dev.rotor.metrics.RotorMetrics;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.OptionalLong;
import org.apache.camel.AsyncProducer;
import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.Message;
import org.apache.camel.support.service.ServiceHelper;

/**
 * {@code POST /v1/chat/completions} on the gateway's server, answered without holding a thread: each request starts an
 * exchange on {@code direct:gateway-chat} and is answered when that exchange completes. (platform-http's own consumer
 * would hand each request to a worker thread that waits for the whole exchange, a wait for a model included.)
 */
public final class ChatCompletionsHandler {

    public static final String PATH = "/v1/chat/completions";
    static final String ROUTE = "direct:gateway-chat";

    private final GatewaySettings settings;
    private final ObjectMapper json;
    private final IdempotentRequests idempotency;
    private final GatewayKeys keys;
    private final RotorMetrics metrics;

    public ChatCompletionsHandler(
            GatewaySettings settings, ObjectMapper json, IdempotentRequests idempotency, RotorMetrics metrics) {
        this.settings = settings;
        this.json = json;
        this.idempotency = idempotency;
        this.keys = new GatewayKeys(settings.keys());
        this.metrics = metrics;
    }

    /** Adds the handler to the gateway's router. */
    public void attach(GatewayServer server, CamelContext context, GatewayCall calls) throws Exception {
        calls.servedOn(server.vertx(), settings.maxInFlight());
        Endpoint endpoint = context.getEndpoint(ROUTE);
        AsyncProducer producer = endpoint.createAsyncProducer();
        ServiceHelper.startService(producer);
        context.addService(producer, true, true);
        server.router()
                .post(PATH)
                .handler(BodyHandler.create(false).setBodyLimit(settings.maxBodyBytes()))
                .handler(ctx -> {
                    server.bodyRead(ctx.request());
                    take(ctx, endpoint, producer);
                })
                .failureHandler(this::refuse);
    }

    /**
     * A request with an Idempotency-Key from an admitted caller is looked up first, off the event loop (the store is a
     * file or a Redis round trip): answered again, refused, or led. Without one, or from a caller the route will refuse
     * with 401, it goes to the route as it is, and no record is read or written for it.
     */
    private void take(RoutingContext ctx, Endpoint endpoint, AsyncProducer producer) {
        Buffer buffer = ctx.body().buffer();
        byte[] body = buffer == null ? new byte[0] : buffer.getBytes();
        String key = ctx.request().getHeader(IdempotentRequests.HEADER);
        String authorization = ctx.request().getHeader("Authorization");
        if (key == null || !keys.admit(authorization)) {
            start(ctx, endpoint, producer, body, null);
            return;
        }
        ctx.vertx()
                .executeBlocking(() -> idempotency.begin(key, authorization, body), false)
                .onComplete(done -> {
                    if (done.failed()) {
                        write(
                                ctx.response(),
                                new OpenAiError(
                                        500,
                                        "Rotor could not read the Idempotency-Key's record",
                                        "server_error",
                                        "internal_error",
                                        null,
                                        OptionalLong.empty()));
                    } else if (done.result() instanceof IdempotentRequests.Replay replay) {
                        replay(ctx.response(), replay.kept());
                    } else if (done.result() instanceof IdempotentRequests.Refuse refuse) {
                        write(ctx.response(), refuse.error());
                    } else {
                        start(ctx, endpoint, producer, body, (IdempotentRequests.Lead) done.result());
                    }
                });
    }

    /** Starts the request's exchange; its answer, once sent, settles the lead of its key (null: it has none). */
    private void start(
            RoutingContext ctx, Endpoint endpoint, AsyncProducer producer, byte[] body, IdempotentRequests.Lead lead) {
        Exchange exchange = endpoint.createExchange(ExchangePattern.InOut);
        Message in = exchange.getIn();
        ctx.request().headers().forEach(h -> in.setHeader(h.getKey(), h.getValue()));
        String type = ctx.request().getHeader("Content-Type");
        if (type != null) {
            in.setHeader(Exchange.CONTENT_TYPE, type);
        }
        if (lead != null) {
            exchange.setProperty(ExchangeKeys.ANSWER_RECORDING, new AnswerRecording());
        }
        in.setBody(body);
        exchange.setProperty(ExchangeKeys.HTTP_RESPONSE, ctx.response());
        ctx.addEndHandler(ended -> {
            if (exchange.getProperty(ExchangeKeys.GATEWAY_RELEASE) instanceof Runnable release) {
                release.run();
            }
        });
        producer.process(exchange, doneSync -> {
            Sent sent = answer(ctx.response(), exchange);
            if (lead != null) {
                ctx.vertx()
                        .executeBlocking(
                                () -> {
                                    idempotency.finished(
                                            lead, sent.status(), sent.headers(), sent.body(), sent.streamed());
                                    return null;
                                },
                                false);
            }
        });
    }

    /** What went to the caller, as an idempotency record keeps it. */
    private record Sent(int status, Map<String, String> headers, String body, boolean streamed) {}

    /** An answer kept for the request's Idempotency-Key, sent again as it was, a stream as a stream. */
    private void replay(HttpServerResponse response, IdempotentRequests.Kept kept) {
        kept.headers().forEach(response::putHeader);
        response.putHeader(IdempotentRequests.REPLAYED_HEADER, "true");
        if (kept.streamed()) {
            response.setChunked(true).putHeader("Cache-Control", "no-cache");
        }
        response.setStatusCode(kept.status()).end(Buffer.buffer(kept.body()));
        metrics.deduplicated("http", "idempotency_key");
    }

    /** The exchange's message as the HTTP answer; nothing when a stream was relayed on the response already. */
    private Sent answer(HttpServerResponse response, Exchange exchange) {
        AnswerRecording recording = exchange.getProperty(ExchangeKeys.ANSWER_RECORDING, AnswerRecording.class);
        if (recording != null && recording.status() != 0) {
            // written by the route itself, a JSON answer or a stream; a caller that gave up was not written to
            return new Sent(recording.status(), recording.headers(), recording.text(), recording.streamed());
        }
        if (response.ended() || response.headWritten()) {
            return new Sent(response.getStatusCode(), Map.of(), "", false);
        }
        if (exchange.getException() != null) {
            write(
                    response,
                    new OpenAiError(
                            500,
                            "Rotor could not serve the request: "
                                    + exchange.getException().getClass().getSimpleName(),
                            "server_error",
                            "internal_error",
                            null,
                            OptionalLong.empty()));
            return new Sent(500, Map.of(), "", false);
        }
        Message out = exchange.getMessage();
        out.getHeaders().forEach((name, value) -> {
            if (!name.startsWith("Camel") && (value instanceof String || value instanceof Number)) {
                response.putHeader(name, value.toString());
            }
        });
        String type = out.getHeader(Exchange.CONTENT_TYPE, String.class);
        if (type != null) {
            response.putHeader("Content-Type", type);
        }
        byte[] body = out.getBody(byte[].class);
        int status = out.getHeader(Exchange.HTTP_RESPONSE_CODE, 200, Integer.class);
        if (!response.closed()) {
            // a caller that gave up (its own timeout) is not written to; its answer is kept for its retry all the same
            response.setStatusCode(status).end(body == null ? Buffer.buffer() : Buffer.buffer(body));
        }
        return new Sent(status, Map.of(), body == null ? "" : new String(body, StandardCharsets.UTF_8), false);
    }

    /** The router's own refusals (a body over the limit) in OpenAI's format. */
    private void refuse(RoutingContext ctx) {
        if (ctx.response().ended()) {
            return;
        }
        int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
        write(
                ctx.response(),
                status == 413
                        ? new OpenAiError(
                                413,
                                "The request body is over the gateway's limit of " + settings.maxBodyBytes() + " bytes",
                                "invalid_request_error",
                                "request_too_large",
                                null,
                                OptionalLong.empty())
                        : new OpenAiError(
                                status,
                                "The request could not be read",
                                status < 500 ? "invalid_request_error" : "server_error",
                                null,
                                null,
                                OptionalLong.empty()));
    }

    private void write(HttpServerResponse response, OpenAiError error) {
        error.writeTo(response, json);
    }
}
