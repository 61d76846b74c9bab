package dev.rotor.settings;

import static dev.rotor.settings.Setting.of;

import java.util.List;

/** Traces; metrics and the status page are Camel's management settings (see operating.md). */
public final class ObservabilityKeys {

    public static final Setting TRACING = of(
            "rotor.tracing.enabled",
            Kind.FLAG,
            "",
            "`true`: send traces over OTLP; unset: on when `OTEL_EXPORTER_OTLP_ENDPOINT` (or `_TRACES_ENDPOINT`) is "
                    + "set; `false`: off");
    public static final Setting CAPTURE_CONTENT = of(
            "rotor.tracing.capture-content",
            Kind.FLAG,
            "false",
            "`true`: prompts and answers go into the call spans (`gen_ai.input.messages`, `gen_ai.output.messages`)");

    public static final SettingsGroup GROUP = new SettingsGroup("Traces", List.of(TRACING, CAPTURE_CONTENT));

    private ObservabilityKeys() {}
}
