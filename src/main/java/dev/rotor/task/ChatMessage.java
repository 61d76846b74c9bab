package dev.rotor.task;

/** One OpenAI chat message. */
public record ChatMessage(String role, String content) {}
