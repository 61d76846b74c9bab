package dev.rotor.chat;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class TokenUsageTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private static TokenUsage of(String usage) throws Exception {
        return TokenUsage.of(JSON.readTree(usage));
    }

    @Test
    void shouldReadOpenAisUsageWithCachedInputAndOpenRoutersCost() throws Exception {
        TokenUsage u = of("""
                {"prompt_tokens":1200,"completion_tokens":300,"total_tokens":1500,
                 "prompt_tokens_details":{"cached_tokens":1024},"cost":0.00042}""");
        assertThat(u.input()).isEqualTo(1200);
        assertThat(u.output()).isEqualTo(300);
        assertThat(u.cacheRead()).isEqualTo(1024);
        assertThat(u.costPicoUsd()).hasValue(420_000_000L);
        assertThat(u.reported()).isTrue();
    }

    @Test
    void shouldCountAnthropicsCachedInputAsInput() throws Exception {
        TokenUsage u = of("""
                {"input_tokens":50,"output_tokens":120,"cache_creation_input_tokens":2000,"cache_read_input_tokens":3000}""");
        assertThat(u.input()).isEqualTo(5050);
        assertThat(u.cacheRead()).isEqualTo(3000);
        assertThat(u.cacheWrite()).isEqualTo(2000);
        assertThat(u.output()).isEqualTo(120);
    }

    @Test
    void shouldSayWhenAnAnswerReportedNoUsage() throws Exception {
        assertThat(of("{}").reported()).isFalse();
        assertThat(TokenUsage.of(null)).isEqualTo(TokenUsage.NONE);
    }
}
