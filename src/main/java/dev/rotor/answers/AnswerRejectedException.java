package dev.rotor.answers;

import dev.rotor.chat.ModelCallException;

/** A 200 whose answer failed its checks; the route's error handler decides what follows, as for a failed call. */
public final class AnswerRejectedException extends ModelCallException {

    private final transient Rejection rejection;

    public AnswerRejectedException(Rejection rejection) {
        super(rejection.failure());
        this.rejection = rejection;
    }

    public Rejection rejection() {
        return rejection;
    }
}
