package dev.rotor.answers;

import java.util.Locale;

/** What was wrong with an answer that came back as a 200, and what Rotor does about it. */
public enum AnswerFault {
    /** No content and no tool call. */
    EMPTY(Remedy.RETRY),
    /** The text came only as reasoning ({@code reasoning}, {@code reasoning_content}), with no content. */
    REASONING_ONLY(Remedy.RETRY),
    /** Cut off at max_tokens ({@code finish_reason: "length"}). */
    TRUNCATED(Remedy.WIDEN),
    /** The model declined ({@code refusal}, Anthropic's stop reason "refusal"). */
    REFUSED(Remedy.ROTATE),
    /** The provider's filter stopped the answer ({@code finish_reason: "content_filter"}, Azure's filter results). */
    CONTENT_FILTER(Remedy.ROTATE),
    /** JSON was asked for and the content is not JSON, even with fences and prose taken off. */
    NOT_JSON(Remedy.REASK),
    /** The JSON does not match the task's json_schema. */
    SCHEMA(Remedy.REASK),
    /** A tool call's arguments do not parse or do not match the tool's parameters. */
    TOOL_ARGUMENTS(Remedy.REASK),
    /** The task's own {@code accept} rule (regex, min-chars, max-chars) failed. */
    ACCEPT(Remedy.REASK);

    /** What follows the fault. */
    public enum Remedy {
        /** As a transient failure: back off, retry, rotate after a few. */
        RETRY,
        /** Once more on the same model with twice the max_tokens, then the next model. */
        WIDEN,
        /** The next model at once; the same model is not asked again. */
        ROTATE,
        /** The same model again, told what was wrong ({@code rotor.answers.reask} times), then the next model. */
        REASK
    }

    private final Remedy remedy;

    AnswerFault(Remedy remedy) {
        this.remedy = remedy;
    }

    public Remedy remedy() {
        return remedy;
    }

    /** Whether the fault says the model does not follow a format (JSON, tools), so that it may lose such tasks. */
    public boolean breaksFormat() {
        return this == NOT_JSON || this == SCHEMA || this == TOOL_ARGUMENTS;
    }

    /** The name in attempts, dead letters and metrics. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
