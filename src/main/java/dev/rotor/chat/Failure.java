package dev.rotor.chat;

import java.time.Instant;
import java.util.Optional;

/**
 * A classified failed call. {@code retryAt} is what the upstream told us (X-RateLimit-Reset, Retry-After);
 * empty when it said nothing and backoff must decide. {@code httpStatus} is 0 when no response came.
 */
public record Failure(FailureKind kind, int httpStatus, String message, LimitScope scope, Optional<Instant> retryAt) {

    public static Failure of(FailureKind kind, int httpStatus, String message) {
        return new Failure(kind, httpStatus, message, LimitScope.UNSPECIFIED, Optional.empty());
    }
}
