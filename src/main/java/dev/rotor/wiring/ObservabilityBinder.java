package dev.rotor.wiring;

import dev.rotor.core.ModelsHealthCheck;
import dev.rotor.status.ManagementHost;
import dev.rotor.status.StatusPage;
import dev.rotor.status.StatusReport;
import dev.rotor.tracing.Traces;
import dev.rotor.tracing.TracingSdk;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Locale;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.spi.Registry;

/** What operators see: Prometheus metrics, traces, the health check and the status page. */
final class ObservabilityBinder {

    private ObservabilityBinder() {}

    /** The registry camel-main's metrics service scrapes at /observe/metrics, whichever of us creates it first. */
    static PrometheusMeterRegistry meters(Registry beans) {
        PrometheusMeterRegistry existing =
                beans.lookupByNameAndType(MicrometerConstants.METRICS_REGISTRY_NAME, PrometheusMeterRegistry.class);
        if (existing != null) {
            return existing;
        }
        PrometheusMeterRegistry created = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        beans.bind(MicrometerConstants.METRICS_REGISTRY_NAME, created);
        return created;
    }

    static Traces traces(Wiring w) throws Exception {
        return w.settings().tracing().enabled()
                ? TracingSdk.start(w.context(), w.settings().tracing())
                : Traces.OFF;
    }

    /** The health check and the status page, served once the management port is up. */
    static void serve(Wiring w, Core core) {
        HealthCheckRegistry.get(w.context())
                .register(new ModelsHealthCheck(core.policy(), w.models().models()));
        ManagementHost.warnIfOpen(w.context().getPropertiesComponent()::resolveProperty);
        StatusReport status = new StatusReport(
                core.policy(),
                core.metrics(),
                core.transports(),
                w.settings().intakes().stream().sorted().toList(),
                w.models().models(),
                core.meters(),
                w.clock(),
                w.settings().state().store().name().toLowerCase(Locale.ROOT),
                core.limits()::degraded);
        StatusPage page = new StatusPage(status, w.json());
        Lifecycle.whenStarted(w.context(), () -> page.serve(w.context()));
    }
}
