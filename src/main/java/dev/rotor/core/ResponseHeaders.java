package dev.rotor.core;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.apache.camel.Message;

/**
 * A provider's response headers, looked up by name in any case. Read once into a hash map: the limit-header families
 * look up some thirty names per answer, and each lookup in Camel's case-insensitive header map (a tree compared letter
 * by letter, then a type conversion) showed in a profile of the gateway.
 */
final class ResponseHeaders implements Function<String, String> {

    private final Map<String, String> byLowerName;

    private ResponseHeaders(Map<String, String> byLowerName) {
        this.byLowerName = byLowerName;
    }

    static ResponseHeaders of(Message message) {
        Map<String, Object> headers = message.getHeaders();
        Map<String, String> lower = new HashMap<>(headers.size() * 2);
        headers.forEach((name, value) -> {
            if (value != null) {
                lower.putIfAbsent(name.toLowerCase(Locale.ROOT), value.toString());
            }
        });
        return new ResponseHeaders(lower);
    }

    @Override
    public String apply(String name) {
        return byLowerName.get(name.toLowerCase(Locale.ROOT));
    }
}
