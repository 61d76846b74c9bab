package dev.rotor.rotation;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;

/**
 * One call to a model, as recorded in a result or dead letter. {@code verdict}: what the checks said of the answer the
 * call got ("accepted", "healed", or the fault: "schema", "truncated", ...); none for a call that got no answer.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Attempt(
        String model,
        String outcome,
        @JsonProperty("http_status") Integer httpStatus,
        @JsonProperty("latency_ms") long latencyMs,
        Instant at,
        String message,
        String verdict) {

    public static final String OK = "ok";

    public Attempt(String model, String outcome, Integer httpStatus, long latencyMs, Instant at, String message) {
        this(model, outcome, httpStatus, latencyMs, at, message, null);
    }
}
