package dev.rotor.models;

/** models.yaml cannot be used; the message says where and why. */
public class InvalidModelsException extends RuntimeException {

    public InvalidModelsException(String message) {
        super(message);
    }

    public InvalidModelsException(String message, Throwable cause) {
        super(message, cause);
    }
}
