package dev.rotor.camel;

import java.io.IOException;
import java.io.InputStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

import org.apache.camel.Exchange;
import org.apache.camel.Message;

import dev.rotor.models.ModelSpec;

/**
 * The HTTP call of a streamed request. It uses the JDK's HttpClient, not camel-http: closing one of its response
 * streams drops the connection, where Apache HttpClient reads a chunked stream to its end before letting go, and a
 * stalled stream must be abandoned at once. The answer's status and headers become the message's, as camel-http's
 * would; a 200's body stays a stream for {@link ModelCaller#read} (in {@link ExchangeKeys#STREAM_BODY}), any other
 * is read whole.
 */
public final class StreamingCall {

    /** Request headers that are the HTTP client's own business. */
    private static final Set<String> RESTRICTED = Set.of("content-length", "host", "connection", "upgrade", "expect");

    private final HttpClient client;
    private final Duration headersWithin;

    public StreamingCall(Duration connectTimeout, Duration headersWithin) {
        this.client = HttpClient.newBuilder().connectTimeout(connectTimeout).version(HttpClient.Version.HTTP_1_1).build();
        this.headersWithin = headersWithin;
    }

    public void call(Exchange exchange) throws IOException, InterruptedException {
        Message in = exchange.getIn();
        ModelSpec model = exchange.getProperty(ExchangeKeys.MODEL, ModelSpec.class);
        HttpRequest.Builder request = HttpRequest.newBuilder(model.provider().chatCompletionsUrl())
                .timeout(headersWithin)
                .POST(HttpRequest.BodyPublishers.ofString(in.getBody(String.class), StandardCharsets.UTF_8));
        for (Map.Entry<String, Object> h : in.getHeaders().entrySet()) {
            if (h.getValue() instanceof String value && !h.getKey().startsWith("Camel")
                    && !RESTRICTED.contains(h.getKey().toLowerCase(java.util.Locale.ROOT))) {
                request.setHeader(h.getKey(), value);
            }
        }
        request.setHeader("Accept", "text/event-stream");
        HttpResponse<InputStream> response = client.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        in.removeHeaders("*");
        response.headers().map().forEach((name, values) -> {
            if (!values.isEmpty() && !name.startsWith(":")) {
                in.setHeader(name, values.get(0));
            }
        });
        in.setHeader(Exchange.HTTP_RESPONSE_CODE, response.statusCode());
        if (response.statusCode() == 200) {
            exchange.setProperty(ExchangeKeys.STREAM_BODY, response.body());
            in.setBody(null);
        } else {
            try (InputStream body = response.body()) {
                in.setBody(new String(body.readNBytes(1024 * 1024), StandardCharsets.UTF_8));
            }
        }
    }
}
