package dev.rotor.answers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.chat.Failure;
import dev.rotor.chat.FailureKind;
import dev.rotor.chat.TokenUsage;
import dev.rotor.chat.headers.LimitReport;

/**
 * An answer that came back and failed its checks: what was wrong, the content and tool calls the model gave (told back
 * to it when it is asked again), and what the call counted (its usage and its limits' headers), which the limits settle
 * as for any answered call.
 */
public record Rejection(
        AnswerFault fault, String detail, String content, JsonNode toolCalls, TokenUsage usage, LimitReport limits) {

    /**
     * The failure as rotation sees it: a retry for an empty answer, a rotation for a refusal, else an invalid answer.
     */
    public Failure failure() {
        FailureKind kind = switch (fault.remedy()) {
            case RETRY -> FailureKind.TRANSIENT;
            case ROTATE -> FailureKind.REFUSED;
            case WIDEN, REASK -> FailureKind.INVALID_ANSWER;
        };
        return Failure.of(kind, 200, detail);
    }

    /** Fault and detail in one line, for logs and dead letters. */
    public String describe() {
        return fault.label() + ": " + detail;
    }
}
