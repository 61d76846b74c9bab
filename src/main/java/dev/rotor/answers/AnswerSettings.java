package dev.rotor.answers;

/**
 * @param checks {@code rotor.answers.checks}: check answers whole (finish reason, JSON, schemas, tools, accept); off,
 *     an answer passes when it has content
 * @param acceptTruncated {@code rotor.answers.accept-truncated}: an answer cut off at max_tokens passes as it is
 */
public record AnswerSettings(boolean checks, boolean acceptTruncated) {}
