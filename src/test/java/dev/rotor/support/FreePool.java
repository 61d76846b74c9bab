package dev.rotor.support;

import dev.rotor.chat.headers.LimitReport;
import dev.rotor.chat.headers.LimitSignal;
import dev.rotor.models.ModelRegistry;
import dev.rotor.models.ModelRegistryLoader;
import dev.rotor.models.Unit;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * OpenRouter's free pool as models.yaml declares it (a limit group of 2 calls per 10 s holding both ":free" models,
 * beside a paid model outside it), and the headers OpenRouter sends for the pool.
 */
public final class FreePool {

    public static final int LIMIT = 2;
    public static final ModelRegistry MODELS =
            ModelRegistryLoader.parse(new ByteArrayInputStream("""
            providers:
              openrouter: { base-url: "http://127.0.0.1:1/api/v1" }
            limit-groups:
              free: { requests: 2, per: 10s }
            models:
              - { id: "a:free", provider: openrouter, limit-group: free }
              - { id: "b:free", provider: openrouter, limit-group: free }
              - { id: "paid", provider: openrouter }
            """.getBytes(StandardCharsets.UTF_8)), "test");

    private FreePool() {}

    /** The pool's headers on a success: its limit, what remains, and its reset to the millisecond. */
    public static LimitReport headers(long remaining, Instant reset) {
        return new LimitReport(
                List.of(new LimitSignal(
                        "openrouter",
                        Unit.REQUESTS,
                        OptionalLong.of(LIMIT),
                        OptionalLong.of(remaining),
                        Optional.of(reset),
                        Optional.empty())),
                Optional.empty(),
                List.of());
    }
}
