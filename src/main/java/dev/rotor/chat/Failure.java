package dev.rotor.chat;

import java.time.Instant;
import java.util.Optional;

import dev.rotor.chat.headers.LimitReport;

/**
 * A classified failed call. {@code retryAt} is what the upstream told us (X-RateLimit-Reset, Retry-After);
 * empty when it said nothing and backoff must decide. {@code httpStatus} is 0 when no response came.
 * {@code limits} is everything the response's headers said about its limits.
 */
public record Failure(FailureKind kind, int httpStatus, String message, LimitScope scope, Optional<Instant> retryAt,
                      LimitReport limits) {

    public Failure(FailureKind kind, int httpStatus, String message, LimitScope scope, Optional<Instant> retryAt) {
        this(kind, httpStatus, message, scope, retryAt, LimitReport.EMPTY);
    }

    public static Failure of(FailureKind kind, int httpStatus, String message) {
        return new Failure(kind, httpStatus, message, LimitScope.UNSPECIFIED, Optional.empty());
    }
}
