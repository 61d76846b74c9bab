package dev.rotor.chat;

import java.util.Locale;

/** What went wrong with one call, as far as rotation cares. */
public enum FailureKind {
    /** 429: cool the model (or its shared pool) down and rotate at once. */
    RATE_LIMITED,
    /** 408, 5xx, timeouts, resets, bodies that are not a completion: back off, retry, then rotate. */
    TRANSIENT,
    /** The prompt does not fit this model: another model may take it. */
    CONTEXT_TOO_LONG,
    /**
     * The call needs more tokens than the model's rate limit allows at all ("Request too large"): another model may
     * take it.
     */
    TOO_LARGE,
    /** The request itself is wrong: no model will take it. */
    BAD_REQUEST,
    /** 401/403: the provider's key is missing or refused. */
    AUTH,
    /** 402: no credit for this model; it cools down for a long time. */
    PAYMENT,
    /** 404: the model does not exist (any more); it leaves the rotation. */
    MODEL_GONE,
    /** The model or the provider's moderation declined (a refusal, a content filter): the next model, at once. */
    REFUSED,
    /** An answer that failed its checks (truncated, not JSON, off its schema): asked again, then the next model. */
    INVALID_ANSWER;

    /** The name used in attempt records and metrics. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
