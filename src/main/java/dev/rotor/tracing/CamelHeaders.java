package dev.rotor.tracing;

import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A message's headers as a carrier of trace context: a gateway request's HTTP headers, a JMS message's properties and a
 * Kafka record's headers all arrive as Camel headers; a Kafka header's value is bytes.
 */
final class CamelHeaders {

    static final TextMapGetter<Map<String, Object>> GETTER = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, Object> headers) {
            return headers.keySet();
        }

        @Override
        public String get(Map<String, Object> headers, String key) {
            if (headers == null) {
                return null;
            }
            Object value = headers.get(key);
            if (value instanceof byte[] bytes) {
                return new String(bytes, StandardCharsets.UTF_8);
            }
            return value == null ? null : value.toString();
        }
    };

    static final TextMapSetter<Map<String, Object>> SETTER = (headers, key, value) -> {
        if (headers != null) {
            headers.put(key, value);
        }
    };

    private CamelHeaders() {}
}
