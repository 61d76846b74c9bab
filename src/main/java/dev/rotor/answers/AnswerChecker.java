package dev.rotor.answers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.Schema;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * The verdict on a 200's completion, before it counts as a success. The shapes it reads are those of OpenAI's chat
 * completions and of the OpenAI-compatible endpoints in front of other models: {@code message.refusal} (OpenAI),
 * {@code finish_reason} "length", "content_filter", and Anthropic's "refusal" and "max_tokens" where a compatible
 * endpoint passes its stop reason on; OpenRouter's {@code native_finish_reason}; Azure's
 * {@code content_filter_results}; reasoning in {@code reasoning} (OpenRouter) or {@code reasoning_content} (DeepSeek).
 */
public final class AnswerChecker {

    private static final Set<String> CUT = Set.of("length", "max_tokens", "model_context_window_exceeded");
    private static final Set<String> FILTERED =
            Set.of("content_filter", "safety", "prohibited_content", "blocklist", "spii");
    private static final Set<String> DECLINED = Set.of("refusal");

    private final JsonText jsonText;
    private final boolean acceptTruncated;

    /** @param acceptTruncated take an answer cut off at max_tokens as it is ({@code rotor.answers.accept-truncated}) */
    public AnswerChecker(ObjectMapper json, boolean acceptTruncated) {
        this.jsonText = new JsonText(json);
        this.acceptTruncated = acceptTruncated;
    }

    public AnswerVerdict verdict(JsonNode completion, Expectations expects) {
        JsonNode choice = completion.path("choices").path(0);
        JsonNode message = choice.path("message");
        String finish = finishReason(choice);
        String content =
                message.path("content").isTextual() ? message.path("content").asText() : "";
        JsonNode toolCalls = message.path("tool_calls");
        boolean callsTools = toolCalls.isArray() && !toolCalls.isEmpty();
        boolean empty = content.isBlank() && !callsTools;
        if (expects.whole() || empty) {
            Optional<AnswerVerdict.Rejected> declined = declined(choice, message, finish);
            if (declined.isPresent()) {
                return declined.get();
            }
        }
        if (empty) {
            String reasoning = firstText(message, "reasoning", "reasoning_content");
            return reasoning.isBlank()
                    ? reject(AnswerFault.EMPTY, "empty completion")
                    : reject(
                            AnswerFault.REASONING_ONLY,
                            "only reasoning, no content: the answer's text came as "
                                    + (message.path("reasoning").isTextual() ? "'reasoning'" : "'reasoning_content'"));
        }
        if (!expects.whole()) {
            return new AnswerVerdict.Accepted(content, finish, expects.checks(), false);
        }
        if (CUT.contains(finish) && !acceptTruncated) {
            return reject(AnswerFault.TRUNCATED, "cut off at max_tokens (finish_reason " + finish + ")");
        }
        if (callsTools) {
            Optional<AnswerVerdict.Rejected> wrongCall = toolProblem(toolCalls, expects);
            if (wrongCall.isPresent()) {
                return wrongCall.get();
            }
            return new AnswerVerdict.Accepted(content, finish, expects.checks(), false);
        }
        if (expects.toolRequired()) {
            return reject(AnswerFault.TOOL_ARGUMENTS, "tool_choice asked for a tool call and the answer made none");
        }
        String text = content;
        boolean healed = false;
        if (expects.asksForJson()) {
            JsonText.Reading reading = jsonText.read(content);
            if (reading instanceof JsonText.Unreadable unreadable) {
                return reject(AnswerFault.NOT_JSON, unreadable.problem());
            }
            JsonText.Read read = (JsonText.Read) reading;
            if (expects.format() == Expectations.Format.JSON_OBJECT
                    && !read.value().isObject()) {
                return reject(
                        AnswerFault.NOT_JSON,
                        "json_object asks for a JSON object, the answer is a JSON "
                                + read.value().getNodeType().name().toLowerCase(Locale.ROOT));
            }
            if (expects.schema().isPresent()) {
                List<String> errors = Schemas.errors(expects.schema().get(), read.value());
                if (!errors.isEmpty()) {
                    return reject(AnswerFault.SCHEMA, String.join("; ", errors));
                }
            }
            text = read.text();
            healed = read.healed();
        }
        if (expects.accept().isPresent()) {
            Optional<String> problem = expects.accept().get().problemWith(text);
            if (problem.isPresent()) {
                return reject(AnswerFault.ACCEPT, problem.get());
            }
        }
        return new AnswerVerdict.Accepted(text, finish, expects.checks(), healed);
    }

    /** OpenRouter normalises finish_reason and keeps the provider's own as native_finish_reason. */
    private static String finishReason(JsonNode choice) {
        String finish = choice.path("finish_reason").asText("");
        String nativeReason = choice.path("native_finish_reason").asText("").toLowerCase(Locale.ROOT);
        return finish.isEmpty() || (DECLINED.contains(nativeReason) && !DECLINED.contains(finish))
                ? nativeReason
                : finish.toLowerCase(Locale.ROOT);
    }

    private static Optional<AnswerVerdict.Rejected> declined(JsonNode choice, JsonNode message, String finish) {
        String refusal = message.path("refusal").asText("");
        if (!refusal.isBlank() || DECLINED.contains(finish)) {
            return Optional.of(reject(
                    AnswerFault.REFUSED, "the model refused" + (refusal.isBlank() ? "" : ": " + excerpt(refusal))));
        }
        if (FILTERED.contains(finish)) {
            return Optional.of(reject(
                    AnswerFault.CONTENT_FILTER,
                    "the provider's content filter stopped the answer" + " (finish_reason " + finish + ")"));
        }
        for (var results = choice.path("content_filter_results").fields(); results.hasNext(); ) {
            var category = results.next();
            if (category.getValue().path("filtered").asBoolean(false)) {
                return Optional.of(reject(
                        AnswerFault.CONTENT_FILTER, "the provider's content filter flagged " + category.getKey()));
            }
        }
        return Optional.empty();
    }

    /** A call's arguments are read as they came: they are not healed. */
    private Optional<AnswerVerdict.Rejected> toolProblem(JsonNode toolCalls, Expectations expects) {
        for (JsonNode call : toolCalls) {
            String name = call.path("function").path("name").asText("");
            JsonNode arguments = call.path("function").path("arguments");
            if (!expects.namedTool().isEmpty() && !expects.namedTool().equals(name)) {
                return Optional.of(reject(
                        AnswerFault.TOOL_ARGUMENTS,
                        "tool_choice names '" + expects.namedTool() + "', and the answer calls '" + name + "'"));
            }
            if (!expects.tools().isEmpty() && !expects.tools().containsKey(name)) {
                return Optional.of(reject(
                        AnswerFault.TOOL_ARGUMENTS,
                        "the answer calls '" + name + "', which is not one of the tools offered "
                                + expects.tools().keySet()));
            }
            Optional<JsonNode> read =
                    arguments.isTextual() ? jsonText.parse(arguments.asText()) : Optional.of(arguments);
            if (read.isEmpty()) {
                return Optional.of(reject(
                        AnswerFault.TOOL_ARGUMENTS, "the arguments of its call to '" + name + "' are not valid JSON"));
            }
            JsonNode value = read.get();
            if (value == null || !value.isObject()) {
                return Optional.of(reject(
                        AnswerFault.TOOL_ARGUMENTS,
                        "the arguments of its call to '" + name + "' are not a JSON object"));
            }
            Optional<Schema> parameters = expects.tools().getOrDefault(name, Optional.empty());
            if (parameters.isPresent()) {
                List<String> errors = Schemas.errors(parameters.get(), value);
                if (!errors.isEmpty()) {
                    return Optional.of(reject(
                            AnswerFault.TOOL_ARGUMENTS,
                            "the arguments of its call to '" + name + "': " + String.join("; ", errors)));
                }
            }
        }
        return Optional.empty();
    }

    private static String firstText(JsonNode message, String... fields) {
        for (String f : fields) {
            if (message.path(f).isTextual() && !message.path(f).asText().isBlank()) {
                return message.path(f).asText();
            }
        }
        return "";
    }

    private static AnswerVerdict.Rejected reject(AnswerFault fault, String detail) {
        return new AnswerVerdict.Rejected(fault, detail);
    }

    private static String excerpt(String text) {
        String oneLine = text.replaceAll("\\s+", " ").strip();
        return oneLine.length() > 200 ? oneLine.substring(0, 200) + "..." : oneLine;
    }
}
