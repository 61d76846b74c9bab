package dev.rotor.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.nio.charset.StandardCharsets;
import java.util.OptionalLong;

/**
 * An error as OpenAI's API writes it: {@code {"error": {"message", "type", "code", "param"}}}, with its HTTP status
 * and, for 429 and 503, the seconds after which to try again.
 */
public record OpenAiError(
        int status, String message, String type, String code, String param, OptionalLong retryAfterSeconds) {

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

    /** Ends the response with this error; done once it is written. */
    public Future<Void> writeTo(HttpServerResponse response, ObjectMapper json) {
        byte[] bytes;
        try {
            bytes = json.writeValueAsBytes(body(json));
        } catch (JsonProcessingException e) {
            bytes = ("{\"error\":{\"message\":\"" + status + "\"}}").getBytes(StandardCharsets.UTF_8);
        }
        response.setStatusCode(status).putHeader("Content-Type", "application/json");
        retryAfterSeconds.ifPresent(s -> response.putHeader("Retry-After", Long.toString(s)));
        return response.end(Buffer.buffer(bytes));
    }
}
