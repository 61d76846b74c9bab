package dev.rotor.chat.stream;

/** One server-sent event as a chat stream carries it: a comment (a keep-alive) or its data. */
public record SseEvent(Kind kind, String text) {

    public enum Kind {
        COMMENT,
        DATA
    }

    public static final String DONE = "[DONE]";

    public boolean isDone() {
        return kind == Kind.DATA && DONE.equals(text.strip());
    }
}
