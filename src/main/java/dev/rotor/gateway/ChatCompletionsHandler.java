package dev.rotor.gateway;

import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.apache.camel.AsyncProducer;
import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.Message;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.support.service.ServiceHelper;

import dev.rotor.camel.GatewayCall;

/**
 * {@code POST /v1/chat/completions} on camel-main's HTTP server (platform-http's Vert.x router), answered without
 * holding a thread: each request starts an exchange on {@code direct:gateway-chat} and is answered when that exchange
 * completes. platform-http's own consumer would hand each request to a worker thread that waits for the whole
 * exchange, a wait for a model included.
 */
public final class ChatCompletionsHandler {

    public static final String PATH = "/v1/chat/completions";
    static final String ROUTE = "direct:gateway-chat";

    private final GatewaySettings settings;
    private final ObjectMapper json;

    public ChatCompletionsHandler(GatewaySettings settings, ObjectMapper json) {
        this.settings = settings;
        this.json = json;
    }

    /** Adds the handler to the router of the HTTP server on the gateway's port. */
    public void attach(CamelContext context, GatewayCall calls) throws Exception {
        VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(context,
                VertxPlatformHttpRouter.getRouterNameFromPort(settings.port()));
        if (router == null) {
            throw new IllegalStateException("camel-main's HTTP server is not up on port " + settings.port());
        }
        calls.servedOn(router.vertx(), settings.maxInFlight());
        Endpoint endpoint = context.getEndpoint(ROUTE);
        AsyncProducer producer = endpoint.createAsyncProducer();
        ServiceHelper.startService(producer);
        context.addService(producer, true, true);
        router.post(PATH)
                .handler(BodyHandler.create(false).setBodyLimit(settings.maxBodyBytes()))
                .handler(ctx -> take(ctx, endpoint, producer))
                .failureHandler(this::refuse);
    }

    private void take(RoutingContext ctx, Endpoint endpoint, AsyncProducer producer) {
        Exchange exchange = endpoint.createExchange(ExchangePattern.InOut);
        Message in = exchange.getIn();
        ctx.request().headers().forEach(h -> in.setHeader(h.getKey(), h.getValue()));
        String type = ctx.request().getHeader("Content-Type");
        if (type != null) {
            in.setHeader(Exchange.CONTENT_TYPE, type);
        }
        Buffer body = ctx.body().buffer();
        in.setBody(body == null ? new byte[0] : body.getBytes());
        exchange.setProperty(GatewayIntake.RESPONSE, ctx.response());
        ctx.addEndHandler(ended -> {
            if (exchange.getProperty(GatewayIntake.RELEASE) instanceof Runnable release) {
                release.run();
            }
        });
        producer.process(exchange, doneSync -> answer(ctx.response(), exchange));
    }

    /** The exchange's message as the HTTP answer; nothing when a stream was relayed on the response already. */
    private void answer(HttpServerResponse response, Exchange exchange) {
        if (response.ended() || response.headWritten()) {
            return;
        }
        if (exchange.getException() != null) {
            write(response, new OpenAiError(500, "Rotor could not serve the request: "
                    + exchange.getException().getClass().getSimpleName(), "server_error", "internal_error", null,
                    OptionalLong.empty()));
            return;
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
        response.setStatusCode(out.getHeader(Exchange.HTTP_RESPONSE_CODE, 200, Integer.class))
                .end(body == null ? Buffer.buffer() : Buffer.buffer(body));
    }

    /** The router's own refusals (a body over the limit) in OpenAI's format. */
    private void refuse(RoutingContext ctx) {
        if (ctx.response().ended()) {
            return;
        }
        int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
        write(ctx.response(), status == 413
                ? new OpenAiError(413, "The request body is over the gateway's limit of " + settings.maxBodyBytes()
                        + " bytes", "invalid_request_error", "request_too_large", null, OptionalLong.empty())
                : new OpenAiError(status, "The request could not be read", status < 500 ? "invalid_request_error"
                        : "server_error", null, null, OptionalLong.empty()));
    }

    private void write(HttpServerResponse response, OpenAiError error) {
        byte[] body;
        try {
            body = json.writeValueAsBytes(error.body(json));
        } catch (JsonProcessingException e) {
            body = ("{\"error\":{\"message\":\"" + error.status() + "\"}}").getBytes(StandardCharsets.UTF_8);
        }
        response.setStatusCode(error.status()).putHeader("Content-Type", "application/json");
        error.retryAfterSeconds().ifPresent(s -> response.putHeader("Retry-After", Long.toString(s)));
        response.end(Buffer.buffer(body));
    }
}
