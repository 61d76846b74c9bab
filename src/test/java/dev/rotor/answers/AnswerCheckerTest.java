package dev.rotor.answers;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** Each verdict on answers in the shapes providers send them. */
class AnswerCheckerTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SCHEMA = """
            {"type": "json_schema", "json_schema": {"name": "invoice", "strict": true, "schema": {
              "type": "object", "required": ["customer", "items"], "additionalProperties": false,
              "properties": {
                "customer": {"type": "string"},
                "items": {"type": "array", "items": {"type": "object", "required": ["sku", "price"],
                  "properties": {"sku": {"type": "string"}, "price": {"type": "number"},
                                 "unit": {"enum": ["each", "kg"]}}}}}}}}""";

    private final AnswerChecker checker = new AnswerChecker(JSON, false);

    private static JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (Exception e) {
            throw new IllegalArgumentException(e);
        }
    }

    private static Expectations expects(String requestFields) {
        return ExpectationsReader.read(json(requestFields), null);
    }

    /** An OpenAI chat completion with this message and finish reason. */
    private static JsonNode openAi(String message, String finish) {
        return json("""
                {"id": "chatcmpl-1", "object": "chat.completion", "model": "gpt-4o-mini",
                 "choices": [{"index": 0, "message": %s, "finish_reason": %s}],
                 "usage": {"prompt_tokens": 20, "completion_tokens": 10, "total_tokens": 30}}""".formatted(message, finish == null ? "null" : "\"" + finish + "\""));
    }

    private static JsonNode text(String content, String finish) {
        return openAi(
                "{\"role\": \"assistant\", \"content\": " + JSON.valueToTree(content) + ", \"refusal\": null}", finish);
    }

    private AnswerFault faultOf(JsonNode answer, Expectations e) {
        AnswerVerdict v = checker.verdict(answer, e);
        assertThat(v).isInstanceOf(AnswerVerdict.Rejected.class);
        return ((AnswerVerdict.Rejected) v).fault();
    }

    @Test
    void aPlainAnswerThatStoppedPassesAndSaysWhatItWasCheckedAgainst() {
        AnswerVerdict v = checker.verdict(text("Paris.", "stop"), Expectations.PLAIN);
        assertThat(v)
                .isEqualTo(new AnswerVerdict.Accepted("Paris.", "stop", java.util.List.of("finish_reason"), false));
    }

    @Test
    void anAnswerCutOffAtMaxTokensIsTruncatedUnlessTruncatedAnswersAreAccepted() {
        assertThat(faultOf(text("def fib(n):\n    if n <", "length"), Expectations.PLAIN))
                .isEqualTo(AnswerFault.TRUNCATED);
        assertThat(new AnswerChecker(JSON, true).verdict(text("def fib(n):", "length"), Expectations.PLAIN))
                .isInstanceOf(AnswerVerdict.Accepted.class);
        // a gateway's plain chat is passed on as it came: a client may want what was cut off
        assertThat(checker.verdict(text("def fib(n):", "length"), Expectations.ANY))
                .isInstanceOf(AnswerVerdict.Accepted.class);
    }

    @Test
    void anOpenAiRefusalIsRefused() {
        JsonNode refusal = openAi("""
                {"role": "assistant", "content": null, "refusal": "I'm sorry, I can't assist with that."}""", "stop");
        assertThat(faultOf(refusal, Expectations.PLAIN)).isEqualTo(AnswerFault.REFUSED);
        assertThat(((AnswerVerdict.Rejected) checker.verdict(refusal, Expectations.PLAIN)).detail())
                .contains("I'm sorry, I can't assist with that.");
    }

    @Test
    void aContentFilterFinishAndAzuresFilterResultsAreContentFilter() {
        assertThat(faultOf(text("", "content_filter"), Expectations.PLAIN)).isEqualTo(AnswerFault.CONTENT_FILTER);
        JsonNode azure = json("""
                {"choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "Some"},
                  "content_filter_results": {"hate": {"filtered": false, "severity": "safe"},
                                             "violence": {"filtered": true, "severity": "high"}}}]}""");
        assertThat(faultOf(azure, Expectations.PLAIN)).isEqualTo(AnswerFault.CONTENT_FILTER);
    }

    @Test
    void anthropicsStopReasonsThroughAnOpenAiCompatibleEndpointAreRead() {
        // OpenRouter normalises finish_reason and keeps Anthropic's own stop reason beside it
        JsonNode refused = json("""
                {"model": "anthropic/claude-sonnet-4", "choices": [{"index": 0, "finish_reason": "stop",
                  "native_finish_reason": "refusal", "message": {"role": "assistant", "content": ""}}]}""");
        assertThat(faultOf(refused, Expectations.PLAIN)).isEqualTo(AnswerFault.REFUSED);
        JsonNode cut = json("""
                {"model": "claude-sonnet-4", "choices": [{"index": 0, "finish_reason": "max_tokens",
                  "message": {"role": "assistant", "content": "The first half"}}]}""");
        assertThat(faultOf(cut, Expectations.PLAIN)).isEqualTo(AnswerFault.TRUNCATED);
    }

    @Test
    void reasoningWithNoContentIsAFailureInOpenRoutersAndDeepSeeksShapes() {
        JsonNode openRouter = openAi("""
                {"role": "assistant", "content": "", "reasoning": "Let me think. The answer is 4."}""", "stop");
        JsonNode deepSeek = openAi("""
                {"role": "assistant", "content": null, "reasoning_content": "First, 2 + 2 is 4."}""", "stop");
        assertThat(faultOf(openRouter, Expectations.PLAIN)).isEqualTo(AnswerFault.REASONING_ONLY);
        assertThat(faultOf(deepSeek, Expectations.ANY)).isEqualTo(AnswerFault.REASONING_ONLY);
        assertThat(((AnswerVerdict.Rejected) checker.verdict(deepSeek, Expectations.PLAIN)).detail())
                .contains("reasoning_content");
        assertThat(faultOf(text("  ", "stop"), Expectations.ANY)).isEqualTo(AnswerFault.EMPTY);
        // with content as well as reasoning, the content is the answer
        assertThat(checker.verdict(openAi("""
                {"role": "assistant", "content": "4", "reasoning_content": "2 + 2"}""", "stop"), Expectations.PLAIN)).isInstanceOf(AnswerVerdict.Accepted.class);
    }

    @Test
    void jsonInAFenceOrInProseIsHealedAndTheResultCarriesTheJsonItself() {
        Expectations e = expects("{\"response_format\": {\"type\": \"json_object\"}}");
        AnswerVerdict fenced = checker.verdict(text("```json\n{\"a\": 1}\n```", "stop"), e);
        AnswerVerdict prose = checker.verdict(text("Sure! Here it is:\n{\"a\": [1, 2]}\nAnything else?", "stop"), e);
        AnswerVerdict bare = checker.verdict(text("{\"a\": 1}", "stop"), e);
        assertThat(fenced)
                .isEqualTo(new AnswerVerdict.Accepted(
                        "{\"a\": 1}", "stop", java.util.List.of("finish_reason", "json_object"), true));
        assertThat(((AnswerVerdict.Accepted) prose).content()).isEqualTo("{\"a\": [1, 2]}");
        assertThat(((AnswerVerdict.Accepted) prose).healed()).isTrue();
        assertThat(((AnswerVerdict.Accepted) bare).healed()).isFalse();
    }

    @Test
    void brokenJsonAndJsonThatIsNotAnObjectAreNotJson() {
        Expectations e = expects("{\"response_format\": {\"type\": \"json_object\"}}");
        AnswerVerdict broken = checker.verdict(text("{\"a\": 1,}", "stop"), e);
        assertThat(broken).isInstanceOf(AnswerVerdict.Rejected.class);
        assertThat(((AnswerVerdict.Rejected) broken).fault()).isEqualTo(AnswerFault.NOT_JSON);
        assertThat(((AnswerVerdict.Rejected) broken).detail())
                .startsWith("not valid JSON")
                .contains("line 1");
        assertThat(faultOf(text("[1, 2]", "stop"), e)).isEqualTo(AnswerFault.NOT_JSON);
        assertThat(faultOf(text("I cannot produce JSON today.", "stop"), e)).isEqualTo(AnswerFault.NOT_JSON);
    }

    @Test
    void jsonOffItsSchemaIsRejectedWithWhereAndWhat() {
        Expectations e = expects("{\"response_format\": " + SCHEMA + "}");
        String good = "{\"customer\": \"ACME\", \"items\": [{\"sku\": \"A1\", \"price\": 2.5, \"unit\": \"kg\"}]}";
        assertThat(checker.verdict(text(good, "stop"), e)).isInstanceOf(AnswerVerdict.Accepted.class);
        AnswerVerdict bad = checker.verdict(text("""
                {"customer": "ACME", "items": [{"sku": "A1", "price": 1}, {"sku": "B2", "price": 1},
                 {"sku": "C3", "price": "12 EUR", "unit": "box"}]}""", "stop"), e);
        assertThat(bad).isInstanceOf(AnswerVerdict.Rejected.class);
        AnswerVerdict.Rejected rejected = (AnswerVerdict.Rejected) bad;
        assertThat(rejected.fault()).isEqualTo(AnswerFault.SCHEMA);
        assertThat(rejected.detail())
                .contains("items[2].price")
                .contains("number")
                .contains("items[2].unit");
        assertThat(faultOf(text("{\"customer\": \"ACME\"}", "stop"), e)).isEqualTo(AnswerFault.SCHEMA);
        assertThat(e.checks()).containsExactly("finish_reason", "json_schema:invoice");
    }

    @Test
    void aToolCallsArgumentsMustParseAndMatchTheToolsParameters() {
        Expectations e = expects("""
                {"tools": [{"type": "function", "function": {"name": "get_weather", "parameters": {
                  "type": "object", "required": ["city"], "properties": {"city": {"type": "string"}}}}}],
                 "tool_choice": "required"}""");
        JsonNode good = openAi("""
                {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
                  "function": {"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\"}"}}]}""", "tool_calls");
        JsonNode broken = openAi("""
                {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
                  "function": {"name": "get_weather", "arguments": "{\\"city\\": \\"Par"}}]}""", "tool_calls");
        JsonNode offSchema = openAi("""
                {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
                  "function": {"name": "get_weather", "arguments": "{\\"town\\": 3}"}}]}""", "tool_calls");
        JsonNode unknown = openAi("""
                {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
                  "function": {"name": "delete_files", "arguments": "{}"}}]}""", "tool_calls");
        assertThat(checker.verdict(good, e)).isInstanceOf(AnswerVerdict.Accepted.class);
        assertThat(faultOf(broken, e)).isEqualTo(AnswerFault.TOOL_ARGUMENTS);
        assertThat(faultOf(offSchema, e)).isEqualTo(AnswerFault.TOOL_ARGUMENTS);
        assertThat(faultOf(unknown, e)).isEqualTo(AnswerFault.TOOL_ARGUMENTS);
        // tool_choice "required" and an answer in prose
        assertThat(faultOf(text("It is sunny in Paris.", "stop"), e)).isEqualTo(AnswerFault.TOOL_ARGUMENTS);
        // tool_choice naming one function, and a call to another that was offered
        Expectations named = expects("""
                {"tools": [{"type": "function", "function": {"name": "get_weather"}},
                           {"type": "function", "function": {"name": "get_time"}}],
                 "tool_choice": {"type": "function", "function": {"name": "get_time"}}}""");
        assertThat(faultOf(good, named)).isEqualTo(AnswerFault.TOOL_ARGUMENTS);
    }

    @Test
    void aTasksOwnAcceptRuleIsChecked() {
        Expectations e = ExpectationsReader.read(
                json("{}"), json("{\"regex\": \"^(positive|negative|neutral)$\", \"max-chars\": 8}"));
        assertThat(checker.verdict(text("neutral", "stop"), e)).isInstanceOf(AnswerVerdict.Accepted.class);
        assertThat(faultOf(text("positive!", "stop"), e)).isEqualTo(AnswerFault.ACCEPT);
        assertThat(faultOf(text("mixed", "stop"), e)).isEqualTo(AnswerFault.ACCEPT);
        Expectations atLeast = ExpectationsReader.read(json("{}"), json("{\"min-chars\": 20}"));
        assertThat(((AnswerVerdict.Rejected) checker.verdict(text("short", "stop"), atLeast)).detail())
                .contains("5 characters, fewer than the 20");
    }
}
