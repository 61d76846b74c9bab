package dev.rotor.tracing;

import dev.rotor.ConfigurationMistake;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.AutoConfiguredOpenTelemetrySdk;
import io.opentelemetry.sdk.autoconfigure.spi.ConfigurationException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import org.apache.camel.CamelContext;
import org.apache.camel.component.properties.PropertiesComponent;
import org.apache.camel.support.service.ServiceSupport;

/**
 * The OpenTelemetry SDK, configured the usual way: {@code OTEL_*} variables and {@code -Dotel.*} properties first, then
 * {@code otel.*} keys in application.properties, then Rotor's defaults. Camel's own tracing (camel-opentelemetry2) and
 * Rotor's task and model-call spans share it; it is flushed and closed when Camel stops.
 */
public final class TracingSdk {

    /** What Rotor needs unless told otherwise: OTLP over HTTP (the spec's default), traces only, named rotor. */
    static final Map<String, String> DEFAULTS = Map.of(
            "otel.service.name", "rotor",
            "otel.exporter.otlp.protocol", "http/protobuf",
            "otel.metrics.exporter", "none",
            "otel.logs.exporter", "none",
            // no W3C baggage: Camel's spans keep a flag of their own in it, which every message sent would carry
            "otel.propagators", "tracecontext");

    private static final String INSTRUMENTATION = "dev.rotor";

    private TracingSdk() {}

    /** The SDK, or a configuration mistake (exit 2) naming what the OTEL_* settings ask for that cannot be. */
    private static OpenTelemetrySdk sdk(Map<String, String> defaults) {
        try {
            return AutoConfiguredOpenTelemetrySdk.builder()
                    .addPropertiesSupplier(() -> defaults)
                    .disableShutdownHook()
                    .build()
                    .getOpenTelemetrySdk();
        } catch (ConfigurationException e) {
            Throwable cause = e;
            while (cause.getCause() != null) {
                cause = cause.getCause();
            }
            throw new ConfigurationMistake(new IllegalArgumentException("tracing cannot start as the OTEL_* settings "
                    + "ask: " + cause.getMessage() + " (Rotor exports OTLP over HTTP: OTEL_EXPORTER_OTLP_PROTOCOL="
                    + "http/protobuf, port 4318)"));
        }
    }

    /** The otel.* keys Camel's properties name: in the files, and given to camel-main as initial or override ones. */
    private static Set<String> otelKeys(CamelContext context) {
        var properties = context.getPropertiesComponent();
        Set<String> keys = new TreeSet<>();
        List<Properties> sources = new ArrayList<>(List.of(properties.loadProperties(k -> k.startsWith("otel."))));
        if (properties instanceof PropertiesComponent own) {
            sources.add(own.getInitialProperties());
            sources.add(own.getOverrideProperties());
        }
        for (Properties source : sources) {
            if (source != null) {
                source.stringPropertyNames().stream()
                        .filter(k -> k.startsWith("otel."))
                        .forEach(keys::add);
            }
        }
        return keys;
    }

    /** Starts the SDK, binds it for Camel's tracer, starts Camel's send spans, and returns Rotor's spans on it. */
    public static Traces start(CamelContext context, TracingSettings settings) throws Exception {
        Map<String, String> defaults = new HashMap<>(DEFAULTS);
        for (String key : otelKeys(context)) {
            context.getPropertiesComponent().resolveProperty(key).ifPresent(v -> defaults.put(key, v));
        }
        OpenTelemetrySdk sdk = sdk(defaults);
        context.getRegistry().bind("rotorOpenTelemetryTracer", Tracer.class, sdk.getTracer("camel"));
        context.getRegistry().bind("rotorOpenTelemetryPropagators", ContextPropagators.class, sdk.getPropagators());
        new SendSpans().init(context);
        context.addService(new ServiceSupport() {
            @Override
            protected void doStop() {
                // the batch processor's last spans go out before the process ends
                sdk.close();
            }
        });
        return new Traces(
                sdk.getTracer(INSTRUMENTATION), sdk.getPropagators().getTextMapPropagator(), settings.captureContent());
    }
}
