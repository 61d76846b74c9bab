package dev.rotor.task;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class TaskParserTest {

    private final TaskParser parser =
            new TaskParser(new ObjectMapper(), Set.of("code")::contains, Set.of("m/a", "m/b")::contains);

    private Task parse(String json) throws InvalidTaskException {
        return parser.parse(json.getBytes(StandardCharsets.UTF_8), "from-file");
    }

    @Test
    void shouldReadAPromptTaskWithEveryOptionalField() throws Exception {
        Task t = parse("""
                {"id":"task-001","prompt":"Write f","system":"Be brief","max_tokens":512,"temperature":0.2,
                 "chain":"code","metadata":{"ticket":7}}""");
        assertThat(t.id()).isEqualTo("task-001");
        assertThat(t.messages())
                .containsExactly(new ChatMessage("system", "Be brief"), new ChatMessage("user", "Write f"));
        assertThat(t.maxTokens()).contains(512);
        assertThat(t.temperature()).contains(0.2);
        assertThat(t.chain()).contains("code");
        assertThat(t.metadata().path("ticket").asInt()).isEqualTo(7);
    }

    @Test
    void shouldReadMessagesAndAnExplicitModelList() throws Exception {
        Task t = parse("""
                {"id":"x","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":"yo"}],"models":["m/b"]}""");
        assertThat(t.messages()).hasSize(2);
        assertThat(t.models()).containsExactly("m/b");
    }

    @Test
    void shouldTakeTheFileNameAsIdWhenTheTaskHasNone() throws Exception {
        assertThat(parse("{\"prompt\":\"p\"}").id()).isEqualTo("from-file");
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "not json at all|not valid JSON",
                "{\"id\":\"a\",\"prompt\":\"p\"|not valid JSON",
                "[1,2,3]|must be a JSON object",
                "\"just a string\"|must be a JSON object",
                "{\"id\":\"a\"}|neither 'prompt' nor 'messages'",
                "{\"id\":\"a\",\"prompt\":\"\"}|'prompt' must be a non-empty string",
                "{\"id\":\"a\",\"prompt\":42}|'prompt' must be a non-empty string, got the number 42",
                "{\"id\":\"a\",\"prompt\":\"p\",\"messages\":[]}|not both",
                "{\"id\":\"a\",\"messages\":[]}|'messages' must be a non-empty array",
                "{\"id\":\"a\",\"messages\":[{\"role\":\"wizard\",\"content\":\"x\"}]}|messages[0] needs a 'role'",
                "{\"id\":\"a\",\"messages\":[{\"role\":\"user\",\"content\":5}]}|messages[0].content must be a string",
                "{\"id\":\"a\",\"prompt\":\"p\",\"max_tokens\":-1}|'max_tokens' must be a positive integer",
                "{\"id\":\"a\",\"prompt\":\"p\",\"max_tokens\":\"many\"}|'max_tokens' must be a positive integer",
                "{\"id\":\"a\",\"prompt\":\"p\",\"temperature\":7}|'temperature' must be a number from 0 to 2",
                "{\"id\":\"a\",\"prompt\":\"p\",\"chain\":\"nope\"}|unknown chain 'nope'",
                "{\"id\":\"a\",\"prompt\":\"p\",\"models\":[\"m/zzz\"]}|'models' names 'm/zzz', which is not a model",
                "{\"id\":\"a\",\"prompt\":\"p\",\"models\":[\"m/a\"],\"chain\":\"code\"}|either 'chain' or 'models'",
                "{\"id\":\"a\",\"prompt\":\"p\",\"metadata\":[1]}|'metadata' must be an object",
                "{\"id\":7,\"prompt\":\"p\"}|'id' must be a string",
                "{\"id\":\"../../etc/passwd\",\"prompt\":\"p\"}|'id' must be",
                "{\"id\":\"a/b\",\"prompt\":\"p\"}|'id' must be",
                "{\"id\":\".hidden\",\"prompt\":\"p\"}|'id' must be"
            })
    void shouldRejectInvalidInputWithAReason(String input, String reason) {
        assertThatThrownBy(() -> parse(input))
                .isInstanceOf(InvalidTaskException.class)
                .hasMessageContaining(reason);
    }

    @Test
    void shouldRejectEmptyAndOversizedInput() {
        assertThatThrownBy(() -> parser.parse(new byte[0], "f")).hasMessageContaining("empty input");
        byte[] huge = new byte[TaskParser.MAX_BYTES + 1];
        assertThatThrownBy(() -> parser.parse(huge, "f")).hasMessageContaining("over the limit");
    }

    @Test
    void shouldFileTheDeadLetterOfAnUnsafeIdUnderTheInputsOwnName() {
        assertThatThrownBy(() -> parse("{\"id\":\"../../x\",\"prompt\":\"p\"}"))
                .isInstanceOfSatisfying(
                        InvalidTaskException.class, e -> assertThat(e.taskId()).isEqualTo("from-file"));
    }

    @Test
    void shouldSanitiseAnyNameIntoASafeFileName() {
        assertThat(TaskIds.sanitise("../../etc/passwd"))
                .doesNotContain("/")
                .doesNotContain("..")
                .doesNotStartWith(".");
        assertThat(TaskIds.isValid(TaskIds.sanitise("../../etc/passwd"))).isTrue();
        assertThat(TaskIds.isValid(TaskIds.sanitise(".hidden"))).isTrue();
        assertThat(TaskIds.sanitise(null)).isEqualTo("unnamed");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a", "task-001", "A.b_c-9", "0"})
    void shouldAcceptIdsOfLettersDigitsDotsUnderscoresAndHyphens(String id) {
        assertThat(TaskIds.isValid(id)).isTrue();
        assertThat(TaskIds.sanitise(id)).isEqualTo(id);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "-a", ".a", "_a", "a..b", "a/b", "a\\b", "caf\u00e9", "a b", "a:b", "a\u0000b"})
    void shouldRejectIdsThatAreNotPlainFileNames(String id) {
        assertThat(TaskIds.isValid(id)).isFalse();
        assertThat(TaskIds.isValid(TaskIds.sanitise(id))).isTrue();
    }

    @Test
    void shouldRejectAnIdLongerThanTheLimit() {
        assertThat(TaskIds.isValid("a".repeat(TaskIds.MAX_LENGTH))).isTrue();
        assertThat(TaskIds.isValid("a".repeat(TaskIds.MAX_LENGTH + 1))).isFalse();
        assertThat(TaskIds.sanitise("a".repeat(TaskIds.MAX_LENGTH + 1))).hasSize(TaskIds.MAX_LENGTH);
    }

    @Test
    void shouldPassOpenAiFieldsOnAndRefuseWhatRotorSetsOrDoesNotKnow() throws Exception {
        Task t = parse("""
                {"id":"x","prompt":"p","response_format":{"type":"json_object"},"seed":3,
                 "extra_body":{"provider":{"order":["a"]}}}""");
        assertThat(t.fields().path("seed").asInt()).isEqualTo(3);
        assertThat(t.fields().path("provider").path("order").get(0).asText()).isEqualTo("a");
        assertThat(t.expects().kind()).isEqualTo("json");
        assertThatThrownBy(() -> parse("{\"id\":\"x\",\"prompt\":\"p\",\"extra_body\":{\"max_tokens\":9}}"))
                .hasMessageContaining("'extra_body' cannot set 'max_tokens'");
        assertThatThrownBy(() -> parse("{\"id\":\"x\",\"prompt\":\"p\",\"n\":2}"))
                .hasMessageContaining("'n' is not a task field: Rotor sets it");
        assertThatThrownBy(() -> parse("{\"id\":\"x\",\"prompt\":\"p\",\"response_format\":"
                        + "{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"s\"}}}"))
                .hasMessageContaining("'response_format.json_schema.schema' must be a JSON Schema object");
        assertThatThrownBy(() -> parse("{\"id\":\"x\",\"prompt\":\"p\",\"accept\":{\"regex\":\"(\"}}"))
                .hasMessageContaining("'accept.regex' is not a valid regular expression");
    }

    @Test
    void shouldRefuseASchemaThatRefersToAUrlWithoutFetchingIt() throws Exception {
        AtomicInteger fetched = new AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", exchange -> {
            fetched.incrementAndGet();
            byte[] body = "{\"type\": \"string\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/name.json";
            assertThatThrownBy(
                            () -> parse("{\"id\":\"x\",\"prompt\":\"p\",\"response_format\":{\"type\":\"json_schema\","
                                    + "\"json_schema\":{\"name\":\"s\",\"schema\":{\"type\":\"object\",\"properties\":"
                                    + "{\"name\":{\"$ref\":\"" + url + "\"}}}}}}"))
                    .isInstanceOf(InvalidTaskException.class)
                    .hasMessageContaining("not a usable JSON Schema");
            assertThat(fetched).hasValue(0);
            // a reference inside the schema itself resolves
            Task local = parse("{\"id\":\"x\",\"prompt\":\"p\",\"response_format\":{\"type\":\"json_schema\","
                    + "\"json_schema\":{\"name\":\"s\",\"schema\":{\"$defs\":{\"n\":{\"type\":\"string\"}},"
                    + "\"type\":\"object\",\"properties\":{\"name\":{\"$ref\":\"#/$defs/n\"}}}}}}");
            assertThat(local.expects().schema()).isPresent();
        } finally {
            server.stop(0);
        }
    }
}
