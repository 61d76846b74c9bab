package dev.rotor.status;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.main.ManagementHttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The live status page at {@code /rotor/} on camel-main's management port, beside {@code /observe/metrics}: plain HTML,
 * CSS and JavaScript from the jar, and its data at {@code /rotor/status.json}.
 */
public final class StatusPage {

    private static final Logger LOG = LoggerFactory.getLogger(StatusPage.class);
    public static final String PATH = "/rotor/";
    /** The page's own files only: markup that slipped into the page could neither run a script nor load anything. */
    private static final String POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; "
            + "img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    private static final Map<String, String> FILES = Map.of(
            "index.html", "text/html; charset=utf-8",
            "status.js", "text/javascript; charset=utf-8",
            "status.css", "text/css; charset=utf-8");

    private final StatusReport report;
    private final ObjectMapper json;
    /** The page's files, read from the jar once. */
    private final Map<String, byte[]> contents = new HashMap<>();

    public StatusPage(StatusReport report, ObjectMapper json) {
        this.report = report;
        this.json = json;
        FILES.keySet().forEach(name -> contents.put(name, resource(name)));
    }

    /**
     * Adds the page to the management server's routes and samples its chart once a second until Camel stops; does
     * nothing when there is no management server. Called once Camel has started (the server is up by then).
     */
    public void serve(CamelContext context) {
        ManagementHttpServer server = context.hasService(ManagementHttpServer.class);
        if (server == null || server.getRouter() == null) {
            LOG.debug("No management server (camel.management.enabled=false): no status page");
            return;
        }
        // a thread of Camel's own, which Camel shuts down when it stops
        ScheduledExecutorService sampler =
                context.getExecutorServiceManager().newSingleThreadScheduledExecutor(this, "rotor-status-sampler");
        sampler.scheduleAtFixedRate(report::sample, 0, 1, TimeUnit.SECONDS);
        Router router = server.getRouter();
        router.get(PATH).handler(ctx -> file(ctx, "index.html"));
        // the page's links are relative: it must be read from /rotor/ (Vert.x matches /rotor to the route above)
        router.get("/rotor").handler(ctx -> ctx.redirect(PATH));
        FILES.keySet().forEach(name -> router.get(PATH + name).handler(ctx -> file(ctx, name)));
        // the report takes the policy's lock: off the event loop
        router.get(PATH + "status.json").blockingHandler(this::status, false);
        LOG.info("Status page at http://{}:{}{}", server.getHost(), server.getPort(), PATH);
    }

    private void status(RoutingContext ctx) {
        byte[] body;
        try {
            body = json.writeValueAsBytes(report.now());
        } catch (JsonProcessingException e) {
            ctx.fail(e);
            return;
        }
        secured(ctx.response(), "application/json").end(Buffer.buffer(body));
    }

    private void file(RoutingContext ctx, String name) {
        secured(ctx.response(), FILES.get(name)).end(Buffer.buffer(contents.get(name)));
    }

    private static HttpServerResponse secured(HttpServerResponse response, String type) {
        return response.putHeader("Content-Type", type)
                .putHeader("Cache-Control", "no-store")
                .putHeader("X-Content-Type-Options", "nosniff")
                .putHeader("Content-Security-Policy", POLICY);
    }

    private static byte[] resource(String name) {
        try (InputStream in = StatusPage.class.getResourceAsStream("/status/" + name)) {
            if (in == null) {
                throw new IllegalStateException("status page file missing from the jar: /status/" + name);
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
