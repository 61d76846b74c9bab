package dev.rotor.check;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.models.Money;
import dev.rotor.models.Price;
import java.math.BigDecimal;
import java.util.Optional;

/**
 * A model's price as its provider lists it in {@code GET /models}, OpenRouter's way: {@code pricing} holds USD per
 * token (and per request) as decimal strings, and a router whose price depends on where it sends a call lists -1.
 */
final class ListedPrice {

    private ListedPrice() {}

    /** The price the listing of one model names, or empty when it names none Rotor could compare with. */
    static Optional<Price> of(JsonNode model) {
        JsonNode pricing = model.path("pricing");
        Optional<Long> input = perToken(pricing.path("prompt"));
        Optional<Long> output = perToken(pricing.path("completion"));
        if (input.isEmpty() || output.isEmpty()) {
            return Optional.empty();
        }
        Optional<Long> request = pricing.has("request") ? perToken(pricing.path("request")) : Optional.of(0L);
        return request.map(r -> new Price(input.get(), output.get(), r));
    }

    /** How models.yaml's price and the provider's differ, in models.yaml's terms; empty when they agree. */
    static Optional<String> difference(Price declared, Price listed) {
        if (declared.equals(listed)) {
            return Optional.empty();
        }
        return Optional.of("models.yaml " + text(declared) + ", provider " + text(listed));
    }

    /** As models.yaml writes a price: USD per million tokens in and out, and per request when there is one. */
    static String text(Price p) {
        String tokens = perMillion(p.inputPerToken()) + "/" + perMillion(p.outputPerToken()) + " per M in/out";
        return p.perRequest() == 0 ? tokens : tokens + " + " + Money.text(p.perRequest()) + " per request";
    }

    private static String perMillion(long picoPerToken) {
        return BigDecimal.valueOf(picoPerToken)
                .movePointLeft(6)
                .stripTrailingZeros()
                .toPlainString();
    }

    private static Optional<Long> perToken(JsonNode value) {
        if (!value.isTextual() && !value.isNumber()) {
            return Optional.empty();
        }
        try {
            BigDecimal usd = new BigDecimal(value.asText().strip());
            return usd.signum() < 0 ? Optional.empty() : Optional.of(Money.picoUsd(usd));
        } catch (NumberFormatException | ArithmeticException e) {
            return Optional.empty();
        }
    }
}
