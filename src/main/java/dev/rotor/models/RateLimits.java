package dev.rotor.models;

import com.fasterxml.jackson.annotation.JsonProperty;

/** Limits a provider declares for a model or a limit group; 0 means "not declared". */
public record RateLimits(
        @JsonProperty("requests-per-minute") int requestsPerMinute,
        @JsonProperty("requests-per-day") int requestsPerDay) {

    public static final RateLimits NONE = new RateLimits(0, 0);

    public RateLimits {
        if (requestsPerMinute < 0 || requestsPerDay < 0) {
            throw new IllegalArgumentException("rate limits must not be negative");
        }
    }

    public boolean declared() {
        return requestsPerMinute > 0 || requestsPerDay > 0;
    }
}
