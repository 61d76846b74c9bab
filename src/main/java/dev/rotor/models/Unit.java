package dev.rotor.models;

import java.util.Locale;
import java.util.Optional;

/** What a limit counts: calls, or tokens (input and output together, input only, output only). */
public enum Unit {
    REQUESTS,
    TOKENS,
    INPUT_TOKENS,
    OUTPUT_TOKENS;

    /** As models.yaml writes it: requests, tokens, input-tokens, output-tokens. */
    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public boolean isTokens() {
        return this != REQUESTS;
    }

    public static Optional<Unit> ofLabel(String label) {
        for (Unit u : values()) {
            if (u.label().equals(label)) {
                return Optional.of(u);
            }
        }
        return Optional.empty();
    }
}
