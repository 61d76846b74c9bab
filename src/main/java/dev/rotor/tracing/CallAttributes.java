package dev.rotor.tracing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.chat.TokenUsage;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;

/** What a model call's span says of where it went and what came back, under the GenAI and HTTP conventions' names. */
final class CallAttributes {

    static final AttributeKey<List<String>> FINISH_REASONS =
            AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");
    /** Said of a failure without capture-content: a provider's error text, cut here, says why without quoting much. */
    private static final int MESSAGE_LIMIT = 200;

    private CallAttributes() {}

    /** The provider's address: scheme, host, port and path; a query or user part could hold a key. */
    static void target(SpanBuilder span, URI url) {
        int port = url.getPort() > 0 ? url.getPort() : "https".equalsIgnoreCase(url.getScheme()) ? 443 : 80;
        span.setAttribute("http.request.method", "POST")
                .setAttribute("server.address", url.getHost())
                .setAttribute("server.port", (long) port)
                .setAttribute("url.full", url.getScheme() + "://" + url.getHost() + ":" + port + url.getPath());
    }

    /** The answer's model, id, finish reasons and usage; its messages too when content is captured. */
    static void answer(Span span, JsonNode body, TokenUsage usage, boolean captureContent) {
        if (body != null) {
            if (body.path("model").isTextual()) {
                span.setAttribute("gen_ai.response.model", body.path("model").asText());
            }
            if (body.path("id").isTextual()) {
                span.setAttribute("gen_ai.response.id", body.path("id").asText());
            }
            List<String> reasons = new ArrayList<>();
            body.path("choices")
                    .forEach(c -> reasons.add(c.path("finish_reason").asText("")));
            span.setAttribute(FINISH_REASONS, reasons);
            if (captureContent) {
                span.setAttribute("gen_ai.output.messages", MessageContent.output(body));
            }
        }
        usage(span, usage.input(), usage.output());
    }

    static void usage(Span span, long input, long output) {
        span.setAttribute("gen_ai.usage.input_tokens", input);
        span.setAttribute("gen_ai.usage.output_tokens", output);
    }

    /** A provider's error message, cut short: enough to say why, too little to quote a prompt it may echo. */
    static String shortened(String message) {
        if (message == null) {
            return "";
        }
        return message.length() <= MESSAGE_LIMIT ? message : message.substring(0, MESSAGE_LIMIT) + "...";
    }
}
