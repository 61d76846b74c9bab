package dev.rotor.gateway;

import java.util.OptionalLong;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An error as OpenAI's API writes it: {@code {"error": {"message", "type", "code", "param"}}}, with its HTTP status
 * and, for 429 and 503, the seconds after which to try again.
 */
public record OpenAiError(int status, String message, String type, String code, String param, OptionalLong retryAfterSeconds) {

    public ObjectNode body(ObjectMapper json) {
        ObjectNode doc = json.createObjectNode();
        ObjectNode error = doc.putObject("error");
        error.put("message", message);
        error.put("type", type);
        if (code == null) {
            error.putNull("code");
        } else {
            error.put("code", code);
        }
        if (param == null) {
            error.putNull("param");
        } else {
            error.put("param", param);
        }
        return doc;
    }
}
