package dev.rotor.answers;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads JSON out of a model's content as models write it: bare, in a Markdown code fence, or with prose before and
 * after. Only those repairs are made; a JSON text that is itself broken is not mended.
 */
public final class JsonText {

    private static final Pattern FENCE = Pattern.compile("```[A-Za-z0-9_-]*\\s*\\R(.*?)\\R?\\s*```", Pattern.DOTALL);

    /** The JSON read from a content, or why there is none. */
    public sealed interface Reading permits Read, Unreadable {}

    /** The value read, the text it was read from, and whether that text had to be cut out of the content. */
    public record Read(JsonNode value, String text, boolean healed) implements Reading {}

    /** Why no JSON could be read: the parser's complaint about the content as it came. */
    public record Unreadable(String problem) implements Reading {}

    private final ObjectMapper json;

    public JsonText(ObjectMapper json) {
        this.json = json.copy().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
    }

    /** The JSON in the content, or why there is none. */
    public Reading read(String content) {
        String text = content.strip();
        Optional<JsonNode> bare = parse(text);
        if (bare.isPresent()) {
            return new Read(bare.get(), text, false);
        }
        Matcher fence = FENCE.matcher(text);
        if (fence.find()) {
            String inside = fence.group(1).strip();
            Optional<JsonNode> fenced = parse(inside);
            if (fenced.isPresent()) {
                return new Read(fenced.get(), inside, true);
            }
        }
        Optional<String> enclosed = outermost(text);
        if (enclosed.isPresent()) {
            Optional<JsonNode> cut = parse(enclosed.get());
            if (cut.isPresent()) {
                return new Read(cut.get(), enclosed.get(), true);
            }
        }
        return new Unreadable(problem(text));
    }

    /** From the first '{' or '[' to the last matching closer: the JSON among prose. */
    private static Optional<String> outermost(String text) {
        int object = text.indexOf('{');
        int array = text.indexOf('[');
        int start = object < 0 ? array : array < 0 ? object : Math.min(object, array);
        if (start < 0) {
            return Optional.empty();
        }
        char closer = text.charAt(start) == '{' ? '}' : ']';
        int end = text.lastIndexOf(closer);
        return end > start ? Optional.of(text.substring(start, end + 1)) : Optional.empty();
    }

    /** The text read as one JSON value exactly as it is, nothing cut off; empty when it is not one. */
    Optional<JsonNode> parse(String text) {
        if (text.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(json.readTree(text)).filter(n -> !n.isMissingNode());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    private String problem(String text) {
        try {
            json.readTree(text);
            return "no JSON value in the content";
        } catch (JsonProcessingException e) {
            return "not valid JSON: " + e.getOriginalMessage() + " at line "
                    + e.getLocation().getLineNr() + ", column "
                    + e.getLocation().getColumnNr();
        } catch (IOException e) {
            return "not valid JSON: " + e.getMessage();
        }
    }
}
