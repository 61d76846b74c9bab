package dev.rotor.limits;

import dev.rotor.chat.TokenUsage;
import dev.rotor.models.TokenCounting;

/** What each provider's counting rule ({@link TokenCounting}) counts of a call, before it leaves and once answered. */
public final class TokenRules {

    private TokenRules() {}

    /** Before the call: the input estimate and the output it may use, as the provider will count them. */
    public static CallCost reserve(TokenCounting rule, long input, long maxOutput) {
        return switch (rule) {
            // Gemini's token limits count input only
            case GEMINI -> new CallCost(input, input, maxOutput);
            default -> new CallCost(input + maxOutput, input, maxOutput);
        };
    }

    /** Once answered: what the provider counted, from the answer's usage; the reservation if it reported none. */
    public static CallCost settle(TokenCounting rule, Reservation reserved, TokenUsage usage) {
        if (!usage.reported()) {
            return reserved.cost();
        }
        long input = usage.input();
        long output = usage.output();
        return switch (rule) {
            // admitted on input and the whole max_tokens, and counted so: the unused output is not given back
            case OPENAI -> new CallCost(input + reserved.outputTokens(), input, output);
            // the input limit counts cache writes, not cache reads
            case ANTHROPIC -> {
                long counted = Math.max(0, input - usage.cacheRead());
                yield new CallCost(counted + output, counted, output);
            }
            case GEMINI -> new CallCost(input, input, output);
            case USAGE -> new CallCost(input + output, input, output);
        };
    }
}
