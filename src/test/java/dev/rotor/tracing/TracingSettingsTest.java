package dev.rotor.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.core.LogContext;
import dev.rotor.models.ModelSpec;
import dev.rotor.models.Provider;
import dev.rotor.models.RateLimits;
import dev.rotor.rotation.TaskProgress;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceFlags;
import io.opentelemetry.api.trace.TraceState;
import java.net.URI;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.slf4j.MDC;

class TracingSettingsTest {

    private static TracingSettings of(Map<String, String> settings) {
        return TracingSettings.from(k -> Optional.ofNullable(settings.get(k)));
    }

    @Test
    void shouldTraceOnlyWhenToldOrWhenAnOtlpEndpointIsNamed() {
        assertThat(of(Map.of()).enabled()).isFalse();
        assertThat(of(Map.of("otel.exporter.otlp.endpoint", "http://collector:4318"))
                        .enabled())
                .isTrue();
        assertThat(of(Map.of("otel.exporter.otlp.traces.endpoint", "http://collector:4318/v1/traces"))
                        .enabled())
                .isTrue();
        assertThat(of(Map.of("rotor.tracing.enabled", "true")).enabled()).isTrue();
        // said in so many words, off wins over an endpoint; and the SDK's own switch is honoured
        assertThat(of(Map.of("rotor.tracing.enabled", "false", "otel.exporter.otlp.endpoint", "http://c:4318"))
                        .enabled())
                .isFalse();
        assertThat(of(Map.of("otel.sdk.disabled", "true", "rotor.tracing.enabled", "true"))
                        .enabled())
                .isFalse();
        assertThat(of(Map.of("rotor.tracing.enabled", "true")).captureContent()).isFalse();
        assertThat(of(Map.of("rotor.tracing.capture-content", "true")).captureContent())
                .isTrue();
    }

    @Test
    void shouldRefuseAFlagThatIsNeitherTrueNorFalse() {
        assertThatThrownBy(() -> of(Map.of("rotor.tracing.enabled", "yes")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("rotor.tracing.enabled must be true or false, got 'yes'");
    }

    @Test
    void shouldPutTheTraceAndSpanOfATaskInItsLogLinesAndTakeThemOffAfter() {
        ModelSpec model = new ModelSpec(
                "m", new Provider("p", URI.create("http://127.0.0.1:1/v1"), "K"), Optional.empty(), RateLimits.NONE, 0);
        TaskProgress progress = new TaskProgress("t-1", List.of(model), Instant.MAX);
        String traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
        Span task = Span.wrap(
                SpanContext.create(traceId, "00f067aa0ba902b7", TraceFlags.getSampled(), TraceState.getDefault()));
        progress.trace(new TaskTrace(task, 0));
        try (var log = LogContext.of(progress, model)) {
            assertThat(MDC.get("task")).isEqualTo("t-1");
            assertThat(MDC.get("model")).isEqualTo("m");
            assertThat(MDC.get("trace_id")).isEqualTo(traceId);
            assertThat(MDC.get("span_id")).isEqualTo("00f067aa0ba902b7");
        }
        assertThat(MDC.get("trace_id")).isNull();
        assertThat(MDC.get("task")).isNull();
    }
}
