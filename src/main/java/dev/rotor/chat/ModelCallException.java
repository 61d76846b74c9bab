package dev.rotor.chat;

/** A call to a model did not produce a completion; carries the classified failure. */
public class ModelCallException extends Exception {

    private final transient Failure failure;

    public ModelCallException(Failure failure) {
        super(
                failure.kind().label() + (failure.httpStatus() > 0 ? " (HTTP " + failure.httpStatus() + ")" : "") + ": "
                        + failure.message(),
                null,
                false,
                false);
        this.failure = failure;
    }

    public Failure failure() {
        return failure;
    }
}
