package dev.rotor.gateway;

import java.util.OptionalLong;

/** A request the gateway answers itself, with an HTTP status and an error in OpenAI's format. */
public class GatewayException extends Exception {

    private final transient OpenAiError error;

    public GatewayException(OpenAiError error) {
        super(error.message(), null, false, false);
        this.error = error;
    }

    public OpenAiError error() {
        return error;
    }

    static GatewayException badRequest(String message, String param, String code) {
        return new GatewayException(
                new OpenAiError(400, message, "invalid_request_error", code, param, OptionalLong.empty()));
    }
}
