package dev.rotor.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A completion streamed as OpenRouter streams it: server-sent events, a {@code : OPENROUTER PROCESSING} keep-alive
 * comment first, a role chunk, content chunks, a last chunk with the finish reason and the usage, then {@code data:
 * [DONE]}. Its faults, scriptable per model, are the ways real streams fail: a cut connection, a stall, an error event
 * (OpenRouter's mid-stream shape: {@code error} beside {@code finish_reason: "error"}) before or after the first
 * content, a malformed chunk, a clean end without {@code [DONE]}, a slow first token.
 */
final class SseAnswer {

    static final String CUT = "stream-cut";
    static final String STALL = "stream-stall";
    static final String ERROR = "stream-error";
    static final String ERROR_FIRST = "stream-error-first";
    static final String MALFORMED = "stream-malformed";
    static final String NO_DONE = "stream-no-done";
    static final String SLOW_FIRST = "stream-slow-first";

    private static final ObjectMapper JSON = new ObjectMapper();

    private SseAnswer() {}

    /**
     * @param fault one of the constants above, or null for a stream that goes well; a cut, a stall or an error event
     *     comes after the first content chunk, or after the N-th when the fault is written {@code stream-cut:N}
     */
    static void write(HttpExchange exchange, JsonNode completion, String fault, long slowMs) throws IOException {
        int after = 1;
        if (fault != null && fault.contains(":")) {
            after = Integer.parseInt(fault.substring(fault.indexOf(':') + 1));
            fault = fault.substring(0, fault.indexOf(':'));
        }
        exchange.getResponseHeaders().set("Content-Type", "text/event-stream");
        exchange.getResponseHeaders().set("Cache-Control", "no-cache");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        event(out, ": OPENROUTER PROCESSING\n\n");
        if (SLOW_FIRST.equals(fault)) {
            SimulatorServer.pause(slowMs);
            event(out, ": OPENROUTER PROCESSING\n\n");
        }
        if (ERROR_FIRST.equals(fault)) {
            data(out, error(completion, "Provider returned error"));
            out.close();
            return;
        }
        JsonNode message = completion.path("choices").path(0).path("message");
        data(
                out,
                chunk(
                        completion,
                        JSON.createObjectNode().put("role", "assistant").put("content", ""),
                        null));
        int sent = 0;
        for (ObjectNode delta : deltas(message)) {
            data(out, chunk(completion, delta, null));
            if (++sent == after) {
                switch (fault == null ? "" : fault) {
                    case CUT -> {
                        // the first content is surely on its way before the connection goes
                        SimulatorServer.pause(100);
                        throw new SimulatorServer.AbortConnection();
                    }
                    case STALL -> SimulatorServer.pause(slowMs);
                    case ERROR -> {
                        data(out, error(completion, "Provider disconnected unexpectedly"));
                        out.close();
                        return;
                    }
                    case MALFORMED -> event(out, "data: {\"id\": \"gen-broken\", \"choices\": [\n\n");
                    default -> {}
                }
            }
        }
        ObjectNode last = chunk(
                completion,
                JSON.createObjectNode(),
                completion.path("choices").path(0).path("finish_reason").asText("stop"));
        last.set("usage", completion.path("usage"));
        data(out, last);
        if (!NO_DONE.equals(fault)) {
            event(out, "data: [DONE]\n\n");
        }
        out.close();
    }

    /** Whether a fault's name is a stream's, with or without the chunk it comes after. */
    static boolean isStreamFault(String kind) {
        String name = kind.contains(":") ? kind.substring(0, kind.indexOf(':')) : kind;
        return List.of(CUT, STALL, ERROR, ERROR_FIRST, MALFORMED, NO_DONE, SLOW_FIRST)
                .contains(name);
    }

    /** The answer in pieces: a word of text a chunk, or the tool call whole. */
    private static List<ObjectNode> deltas(JsonNode message) {
        List<ObjectNode> deltas = new ArrayList<>();
        if (message.path("tool_calls").isArray() && !message.path("tool_calls").isEmpty()) {
            ObjectNode delta = JSON.createObjectNode();
            delta.set("tool_calls", message.get("tool_calls").deepCopy());
            ((ObjectNode) delta.get("tool_calls").get(0)).put("index", 0);
            deltas.add(delta);
            return deltas;
        }
        for (String word : message.path("content").asText("").split("(?<= )")) {
            deltas.add(JSON.createObjectNode().put("content", word));
        }
        return deltas;
    }

    private static ObjectNode chunk(JsonNode completion, ObjectNode delta, String finish) {
        ObjectNode chunk = JSON.createObjectNode();
        chunk.put("id", completion.path("id").asText());
        chunk.put("object", "chat.completion.chunk");
        chunk.put("created", completion.path("created").asLong());
        chunk.put("model", completion.path("model").asText());
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", 0);
        choice.set("delta", delta);
        if (finish == null) {
            choice.putNull("finish_reason");
        } else {
            choice.put("finish_reason", finish);
        }
        return chunk;
    }

    private static ObjectNode error(JsonNode completion, String message) {
        ObjectNode chunk = chunk(completion, JSON.createObjectNode().put("content", ""), "error");
        chunk.put("provider", "Simulated");
        chunk.putObject("error").put("code", "server_error").put("message", message);
        return chunk;
    }

    private static void data(OutputStream out, JsonNode json) throws IOException {
        event(out, "data: " + JSON.writeValueAsString(json) + "\n\n");
    }

    private static void event(OutputStream out, String text) throws IOException {
        out.write(text.getBytes(StandardCharsets.UTF_8));
        out.flush();
    }
}
