package dev.rotor.limits;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rotor.chat.TokenUsage;
import dev.rotor.models.Budget;
import dev.rotor.models.Continuation;
import dev.rotor.models.ModelSpec;
import dev.rotor.models.Provider;
import dev.rotor.models.RateLimits;
import dev.rotor.models.TokenCounting;
import dev.rotor.task.ChatMessage;
import java.net.URI;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Random;
import org.junit.jupiter.api.Test;

class InputEstimatesTest {

    private final InputEstimates estimates = new InputEstimates();

    private static ModelSpec model(TokenCounting counting, OptionalInt maxTokens) {
        Provider p = new Provider(
                "p",
                URI.create("http://127.0.0.1:1/v1"),
                null,
                counting,
                RateLimits.NONE,
                Budget.NONE,
                Continuation.PREFILL);
        return new ModelSpec(
                "m",
                p,
                Optional.empty(),
                RateLimits.NONE,
                0,
                maxTokens,
                Optional.empty(),
                Budget.NONE,
                Optional.empty());
    }

    @Test
    void shouldCountAPromptHoldingASpecialTokenAsText() {
        TaskSize size = estimates.size(
                List.of(new ChatMessage("user", "Explain what <|endoftext|> means in a dataset")), OptionalInt.of(200));
        assertThat(size.rawInputTokens()).isBetween(12L, 30L);
        assertThat(size.maxTokens()).hasValue(200);
    }

    @Test
    void shouldReserveInputAndMaxTokensAndLetGeminiCountInputOnly() {
        TaskSize size = new TaskSize(1_000, OptionalInt.empty());
        Reservation openai = estimates.plan(model(TokenCounting.OPENAI, OptionalInt.of(400)), size);
        // before a model's first answer its input is taken to count a little more than the local count
        long input = Math.round(1_000 * EstimateCorrection.PRIOR_SLOPE);
        assertThat(openai.cost()).isEqualTo(new CallCost(input + 400, input, 400));
        Reservation gemini = estimates.plan(model(TokenCounting.GEMINI, OptionalInt.empty()), size);
        assertThat(gemini.cost().tokens()).isEqualTo(input);
        assertThat(gemini.outputTokens()).isEqualTo(InputEstimates.DEFAULT_OUTPUT_RESERVATION);
    }

    @Test
    void shouldCountAGatewayBodysMessagesToolsAndMaxTokens() throws Exception {
        ObjectNode body = (ObjectNode) new ObjectMapper().readTree("""
                {"model":"rotor","max_completion_tokens":64,"messages":[{"role":"user","content":[
                 {"type":"text","text":"What is in this picture?"}]}],
                 "tools":[{"type":"function","function":{"name":"lookup","parameters":{}}}]}""");
        TaskSize size = estimates.sizeOfRequest(body);
        assertThat(size.maxTokens()).hasValue(64);
        assertThat(size.rawInputTokens()).isGreaterThan(15);
    }

    @Test
    void shouldCountATasksToolsAndSchemaAsPartOfItsPrompt() throws Exception {
        ObjectNode fields = (ObjectNode) new ObjectMapper().readTree("""
                {"seed":1,"response_format":{"type":"json_schema","json_schema":{"name":"s","schema":{"type":"object",
                 "properties":{"invoice_number":{"type":"string"},"customer":{"type":"string"}}}}}}""");
        List<ChatMessage> messages = List.of(new ChatMessage("user", "Extract the invoice"));
        long plain = estimates.size(messages, OptionalInt.empty()).rawInputTokens();
        long withSchema = estimates.size(messages, fields, OptionalInt.empty()).rawInputTokens();
        assertThat(withSchema - plain).isGreaterThan(20);
    }

    /** A provider whose tokenizer counts 30 % more than cl100k_base and adds 12 tokens of its own framing. */
    @Test
    void shouldBeWithinTenPercentAtTheMedianAfterTwentyAnswersOfAProviderThatCountsDifferently() {
        ModelSpec model = model(TokenCounting.USAGE, OptionalInt.of(300));
        Random random = new Random(3);
        for (int i = 0; i < 20; i++) {
            TaskSize size = new TaskSize(100 + random.nextInt(1_400), OptionalInt.empty());
            Reservation r = estimates.plan(model, size);
            long counted = Math.round(size.rawInputTokens() * 1.3) + 12 + random.nextInt(9) - 4;
            estimates.learn(model, r, new TokenUsage(counted, 200, 0, 0, OptionalLong.empty(), true));
        }
        assertThat(estimates.medianError(model)).isPresent();
        // the median over the answers since the first, the first estimates not yet corrected among them
        long misses = 0;
        for (int i = 0; i < 20; i++) {
            TaskSize size = new TaskSize(100 + random.nextInt(1_400), OptionalInt.empty());
            long counted = Math.round(size.rawInputTokens() * 1.3) + 12;
            long estimate = estimates.plan(model, size).inputTokens();
            misses += Math.abs(estimate - counted) > counted / 10 ? 1 : 0;
        }
        assertThat(misses).as("estimates off by more than 10 %").isLessThanOrEqualTo(1);
    }
}
