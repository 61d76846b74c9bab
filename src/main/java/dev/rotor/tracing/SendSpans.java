package dev.rotor.tracing;

import org.apache.camel.CamelContext;
import org.apache.camel.NamedNode;
import org.apache.camel.opentelemetry2.OpenTelemetryTracer;
import org.apache.camel.spi.RoutePolicy;

/**
 * Camel's tracer (camel-opentelemetry2), for what Rotor sends through Camel's endpoints: results, dead letters and
 * parked tasks to a queue or topic, each a span whose context the message carries on. Routes get no spans of their own:
 * a task's span ({@code rotor.task}) and its model calls' ({@code chat {model}}) are Rotor's, which knows what they
 * mean; internal hops and files carry no context, and provider calls are the chat spans.
 */
final class SendSpans extends OpenTelemetryTracer {

    static final String EXCLUDED = "direct:*,file:*,http:*,https:*,log:*";

    SendSpans() {
        setExcludePatterns(EXCLUDED);
    }

    @Override
    public RoutePolicy createRoutePolicy(CamelContext camelContext, String routeId, NamedNode route) {
        // a route's span would stand above the task's: the task is what a trace is about
        return null;
    }
}
