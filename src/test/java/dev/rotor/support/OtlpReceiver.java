package dev.rotor.support;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * An OTLP/HTTP trace receiver on loopback, as a collector is one: it takes {@code POST /v1/traces} with an
 * {@code ExportTraceServiceRequest} protobuf, decodes it and keeps every span with its service name.
 */
public final class OtlpReceiver implements AutoCloseable {

    /** One span as received; ids in hex, as a trace viewer shows them. */
    public record Received(String service, String scope, Span span) {
        public String traceId() {
            return HexFormat.of().formatHex(span.getTraceId().toByteArray());
        }

        public String spanId() {
            return HexFormat.of().formatHex(span.getSpanId().toByteArray());
        }

        public String parentId() {
            return HexFormat.of().formatHex(span.getParentSpanId().toByteArray());
        }

        public String name() {
            return span.getName();
        }

        public Map<String, Object> attributes() {
            return values(span.getAttributesList());
        }

        public List<String> events() {
            return span.getEventsList().stream().map(Span.Event::getName).toList();
        }

        public Map<String, Object> event(String name) {
            return span.getEventsList().stream()
                    .filter(e -> e.getName().equals(name))
                    .findFirst()
                    .map(e -> values(e.getAttributesList()))
                    .orElse(Map.of());
        }
    }

    private final HttpServer server;
    private final List<Received> spans = new ArrayList<>();
    private final List<String> requests = new ArrayList<>();
    /** Keep what arrives (tests), or decode and count it only (benchmarks send spans by the hundred thousand). */
    private final boolean keep;

    private long counted;

    public OtlpReceiver() throws IOException {
        this(true);
    }

    /** A receiver that decodes every export, as a collector must, and counts its spans without keeping them. */
    public static OtlpReceiver counting() throws IOException {
        return new OtlpReceiver(false);
    }

    private OtlpReceiver(boolean keep) throws IOException {
        this.keep = keep;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/traces", this::take);
        server.start();
    }

    public String endpoint() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    public synchronized long count() {
        return counted;
    }

    public synchronized List<Received> spans() {
        return List.copyOf(spans);
    }

    /** Every export as protobuf text, to search for what must never be in one. */
    public synchronized String everything() {
        return String.join("\n", requests);
    }

    public List<Received> trace(String traceId) {
        return spans().stream().filter(s -> s.traceId().equals(traceId)).toList();
    }

    private void take(HttpExchange exchange) throws IOException {
        try (InputStream in = exchange.getRequestBody()) {
            ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(in.readAllBytes());
            synchronized (this) {
                request.getResourceSpansList()
                        .forEach(rs -> rs.getScopeSpansList().forEach(ss -> counted += ss.getSpansCount()));
                if (keep) {
                    kept(request);
                }
            }
        }
        byte[] answer = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
        exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
        exchange.sendResponseHeaders(200, answer.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(answer);
        }
    }

    private void kept(ExportTraceServiceRequest request) {
        requests.add(request.toString());
        for (ResourceSpans rs : request.getResourceSpansList()) {
            String service =
                    String.valueOf(values(rs.getResource().getAttributesList()).get("service.name"));
            for (ScopeSpans ss : rs.getScopeSpansList()) {
                ss.getSpansList()
                        .forEach(s ->
                                spans.add(new Received(service, ss.getScope().getName(), s)));
            }
        }
    }

    private static Map<String, Object> values(List<KeyValue> attributes) {
        return attributes.stream().collect(Collectors.toMap(KeyValue::getKey, kv -> value(kv.getValue()), (a, b) -> b));
    }

    private static Object value(AnyValue v) {
        return switch (v.getValueCase()) {
            case STRING_VALUE -> v.getStringValue();
            case INT_VALUE -> v.getIntValue();
            case DOUBLE_VALUE -> v.getDoubleValue();
            case BOOL_VALUE -> v.getBoolValue();
            case ARRAY_VALUE ->
                v.getArrayValue().getValuesList().stream()
                        .map(OtlpReceiver::value)
                        .toList();
            default -> v.toString();
        };
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
