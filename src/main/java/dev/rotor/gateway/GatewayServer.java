package dev.rotor.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Router;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's own HTTP server, on {@code rotor.gateway.host} and {@code port}: a Vert.x server of its own rather than
 * camel-main's, because camel-main's takes no server options and no connection handler, and a gateway open to many
 * clients must bound how many connections they hold and for how long ({@link ConnectionGuard}). It answers {@code POST
 * /v1/chat/completions} ({@link ChatCompletionsHandler}) and {@code GET /v1/models}; anything else gets OpenAI's 404 or
 * 405.
 */
public final class GatewayServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayServer.class);

    private final GatewaySettings settings;
    private final ObjectMapper json;
    private final Vertx vertx = Vertx.vertx();
    private final Router router = Router.router(vertx);
    private final ConnectionGuard guard;
    private HttpServer server;
    private volatile boolean ready;

    public GatewayServer(GatewaySettings settings, ObjectMapper json, ModelList models, MeterRegistry meters) {
        this.settings = settings;
        this.json = json;
        this.guard = new ConnectionGuard(vertx, settings, json, meters);
        router.route().handler(ctx -> {
            if (!ready) {
                new OpenAiError(503, "Rotor is starting", "server_error", "starting", null, OptionalLong.of(1))
                        .writeTo(ctx.response(), json);
                return;
            }
            guard.requestStarted(ctx.request());
            ctx.addEndHandler(ended -> guard.answered(ctx.request()));
            ctx.next();
        });
        router.get("/v1/models").handler(ctx -> {
            guard.bodyRead(ctx.request());
            models.answer(ctx);
        });
        router.errorHandler(
                404,
                ctx -> new OpenAiError(
                                404,
                                "No such endpoint: " + ctx.request().method() + " "
                                        + ctx.request().path(),
                                "invalid_request_error",
                                "not_found",
                                null,
                                OptionalLong.empty())
                        .writeTo(ctx.response(), json));
        router.errorHandler(
                405,
                ctx -> new OpenAiError(
                                405,
                                ctx.request().method() + " is not allowed on "
                                        + ctx.request().path(),
                                "invalid_request_error",
                                "method_not_allowed",
                                null,
                                OptionalLong.empty())
                        .writeTo(ctx.response(), json));
    }

    Vertx vertx() {
        return vertx;
    }

    Router router() {
        return router;
    }

    /** The request's body is in: the request-timeout no longer runs for it. */
    void bodyRead(HttpServerRequest request) {
        guard.bodyRead(request);
    }

    /** The routes run: requests are taken from now on (before, they get 503 with Retry-After). */
    public void ready() {
        ready = true;
    }

    /** Listens, and returns once the port is bound; fails if it cannot be. */
    public void listen() throws Exception {
        // HTTP/1.1 only: with h2c on, a connection is not handed to the connection handler until its first bytes
        // say which protocol it speaks, so a client that connects and says nothing would escape the bounds
        HttpServerOptions options = new HttpServerOptions()
                .setHost(settings.host())
                .setPort(settings.port())
                .setTcpNoDelay(true)
                .setHttp2ClearTextEnabled(false);
        server =
                vertx.createHttpServer(options).connectionHandler(guard::opened).requestHandler(router);
        server.listen().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        LOG.info("Gateway listening on {}:{}", settings.host(), server.actualPort());
    }

    @Override
    public void close() {
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("the gateway's server did not close cleanly: {}", e.toString());
        }
    }
}
