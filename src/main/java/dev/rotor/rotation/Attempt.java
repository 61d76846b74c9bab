package dev.rotor.rotation;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;

/** One call to a model, as recorded in a result or dead letter. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Attempt(String model, String outcome, @JsonProperty("http_status") Integer httpStatus,
                      @JsonProperty("latency_ms") long latencyMs, Instant at, String message) {

    public static final String OK = "ok";
}
