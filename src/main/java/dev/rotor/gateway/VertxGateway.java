package dev.rotor.gateway;

import org.apache.camel.AsyncProducer;
import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangePattern;
import org.apache.camel.Message;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;

import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;

/** SPIKE: POST /v2/chat/completions answered by Rotor's own handler on platform-http's router. */
public final class VertxGateway {

    public static void attach(CamelContext context, int port) throws Exception {
        VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(context, VertxPlatformHttpRouter.getRouterNameFromPort(port));
        Endpoint endpoint = context.getEndpoint("direct:gateway-chat");
        AsyncProducer producer = endpoint.createAsyncProducer();
        producer.start();
        router.post("/v2/chat/completions").handler(BodyHandler.create()).handler(ctx -> {
            Exchange exchange = endpoint.createExchange(ExchangePattern.InOut);
            Message in = exchange.getIn();
            ctx.request().headers().forEach(h -> in.setHeader(h.getKey(), h.getValue()));
            in.setHeader(Exchange.CONTENT_TYPE, ctx.request().getHeader("Content-Type"));
            in.setBody(ctx.body().buffer() == null ? new byte[0] : ctx.body().buffer().getBytes());
            producer.process(exchange, done -> respond(ctx, exchange));
        });
    }

    private static void respond(RoutingContext ctx, Exchange exchange) {
        if (ctx.response().ended()) {
            return;
        }
        Message out = exchange.getMessage();
        int status = out.getHeader(Exchange.HTTP_RESPONSE_CODE, 200, Integer.class);
        out.getHeaders().forEach((k, v) -> {
            if (v instanceof String s && !k.startsWith("Camel")) {
                ctx.response().putHeader(k, s);
            }
        });
        String type = out.getHeader(Exchange.CONTENT_TYPE, String.class);
        if (type != null) {
            ctx.response().putHeader("Content-Type", type);
        }
        byte[] body = out.getBody(byte[].class);
        ctx.response().setStatusCode(status).end(body == null ? Buffer.buffer() : Buffer.buffer(body));
    }
}
