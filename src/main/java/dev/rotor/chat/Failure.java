package dev.rotor.chat;

import dev.rotor.chat.headers.LimitReport;
import java.time.Instant;
import java.util.Optional;

/**
 * A classified failed call. {@code retryAt} is what the upstream told us (X-RateLimit-Reset, Retry-After); empty when
 * it said nothing and backoff must decide. {@code httpStatus} is 0 when no response came. {@code limits} is everything
 * the response's headers said about its limits. {@code silent}: the provider took the call and said nothing in time (a
 * read timeout, no first token): it is not waited on again while another model is free.
 */
public record Failure(
        FailureKind kind,
        int httpStatus,
        String message,
        LimitScope scope,
        Optional<Instant> retryAt,
        LimitReport limits,
        boolean silent) {

    public Failure(
            FailureKind kind,
            int httpStatus,
            String message,
            LimitScope scope,
            Optional<Instant> retryAt,
            LimitReport limits) {
        this(kind, httpStatus, message, scope, retryAt, limits, false);
    }

    public Failure(FailureKind kind, int httpStatus, String message, LimitScope scope, Optional<Instant> retryAt) {
        this(kind, httpStatus, message, scope, retryAt, LimitReport.EMPTY);
    }

    /** The provider took the call and stayed silent past its time. */
    public static Failure silent(int httpStatus, String message) {
        return new Failure(
                FailureKind.TRANSIENT,
                httpStatus,
                message,
                LimitScope.UNSPECIFIED,
                Optional.empty(),
                LimitReport.EMPTY,
                true);
    }

    public static Failure of(FailureKind kind, int httpStatus, String message) {
        return new Failure(kind, httpStatus, message, LimitScope.UNSPECIFIED, Optional.empty());
    }
}
