package dev.rotor.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** Reading result and dead-letter documents that arrive as message text. */
public final class ResultDocs {

    private static final ObjectMapper JSON = new ObjectMapper();

    private ResultDocs() {}

    public static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalStateException("not a JSON document: " + text, e);
        }
    }

    /** How many of these results each model served. */
    public static Map<String, Long> servedBy(List<String> results) {
        return results.stream()
                .collect(Collectors.groupingBy(
                        r -> json(r).path("model").asText(), TreeMap::new, Collectors.counting()));
    }

    /** Seconds from the first call any of these results made to the last: the steady rate, without start-up. */
    public static double callSpan(List<String> results) {
        List<Instant> at = results.stream()
                .flatMap(r -> json(r).path("attempts").findValuesAsText("at").stream())
                .map(Instant::parse)
                .sorted()
                .toList();
        return Duration.between(at.get(0), at.get(at.size() - 1)).toMillis() / 1000.0;
    }
}
