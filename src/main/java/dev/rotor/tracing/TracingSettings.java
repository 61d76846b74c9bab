package dev.rotor.tracing;

import dev.rotor.settings.ObservabilityKeys;
import java.util.Optional;
import java.util.function.Function;

/**
 * Whether Rotor traces its tasks: {@code rotor.tracing.enabled=true}, or unset and an OTLP endpoint named in the usual
 * way ({@code OTEL_EXPORTER_OTLP_ENDPOINT} or {@code OTEL_EXPORTER_OTLP_TRACES_ENDPOINT}, as a variable, a -D property
 * or in application.properties). {@code OTEL_SDK_DISABLED=true} turns it off, as the SDK's users expect.
 *
 * @param captureContent prompts and answers go into spans ({@code rotor.tracing.capture-content}); off by default, as
 *     the GenAI conventions ask, since they may hold what a log should not
 */
public record TracingSettings(boolean enabled, boolean captureContent) {

    public static final TracingSettings OFF = new TracingSettings(false, false);

    /** @param property a setting by its dotted name: Camel's resolution, which maps OTEL_X_Y to otel.x.y as well */
    public static TracingSettings from(Function<String, Optional<String>> property) {
        boolean disabled = flag(property, "otel.sdk.disabled").orElse(false);
        boolean endpoint =
                named(property, "otel.exporter.otlp.endpoint") || named(property, "otel.exporter.otlp.traces.endpoint");
        boolean enabled =
                !disabled && flag(property, ObservabilityKeys.TRACING.key()).orElse(endpoint);
        return new TracingSettings(
                enabled, flag(property, ObservabilityKeys.CAPTURE_CONTENT.key()).orElse(false));
    }

    private static boolean named(Function<String, Optional<String>> property, String key) {
        return property.apply(key).filter(v -> !v.isBlank()).isPresent();
    }

    private static Optional<Boolean> flag(Function<String, Optional<String>> property, String key) {
        return property.apply(key).map(String::strip).filter(v -> !v.isEmpty()).map(v -> switch (v.toLowerCase()) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(key + " must be true or false, got '" + v + "'");
        });
    }
}
