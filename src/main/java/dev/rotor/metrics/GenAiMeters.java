package dev.rotor.metrics;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;

/**
 * The GenAI conventions' client metrics, beside Rotor's own: {@code gen_ai.client.operation.duration} (in Prometheus
 * {@code gen_ai_client_operation_duration_seconds}) and {@code gen_ai.client.token.usage}
 * ({@code gen_ai_client_token_usage}), with the buckets the conventions advise. Every series has the same tags, as
 * Prometheus needs; a tag that does not apply (error.type on success) is empty, which Prometheus reads as absent.
 */
final class GenAiMeters {

    private static final double[] SECONDS = {
        0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92
    };
    private static final double[] TOKENS = {
        1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864
    };

    private final MeterRegistry registry;

    GenAiMeters(MeterRegistry registry) {
        this.registry = registry;
    }

    void operation(String provider, String model, String responseModel, Duration took, String errorType) {
        Timer.builder("gen_ai.client.operation.duration")
                .description("GenAI operation duration")
                .tag("gen_ai.operation.name", "chat")
                .tag("gen_ai.provider.name", provider)
                .tag("gen_ai.request.model", model)
                .tag("gen_ai.response.model", responseModel)
                .tag("error.type", errorType)
                .serviceLevelObjectives(BUCKETS)
                .register(registry)
                .record(took);
    }

    void tokens(String provider, String model, String responseModel, long input, long output) {
        summary(provider, model, responseModel, "input").record(input);
        summary(provider, model, responseModel, "output").record(output);
    }

    private DistributionSummary summary(String provider, String model, String responseModel, String type) {
        return DistributionSummary.builder("gen_ai.client.token.usage")
                .description("Number of input and output tokens used")
                .tag("gen_ai.operation.name", "chat")
                .tag("gen_ai.provider.name", provider)
                .tag("gen_ai.request.model", model)
                .tag("gen_ai.response.model", responseModel)
                .tag("gen_ai.token.type", type)
                .serviceLevelObjectives(TOKENS)
                .register(registry);
    }

    private static final Duration[] BUCKETS = durations();

    private static Duration[] durations() {
        Duration[] out = new Duration[SECONDS.length];
        for (int i = 0; i < SECONDS.length; i++) {
            out[i] = Duration.ofNanos((long) (SECONDS[i] * 1e9));
        }
        return out;
    }
}
