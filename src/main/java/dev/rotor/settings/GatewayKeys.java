package dev.rotor.settings;

import static dev.rotor.settings.Setting.choice;
import static dev.rotor.settings.Setting.of;

import java.util.List;

/** The OpenAI-compatible gateway, served with {@code http} in {@code rotor.intake}. */
public final class GatewayKeys {

    public static final Setting HOST = of(
            "rotor.gateway.host",
            Kind.TEXT,
            "127.0.0.1",
            "where the gateway listens; another host needs `ROTOR_GATEWAY_KEYS` or `rotor.gateway.allow-open`");
    public static final Setting PORT = of("rotor.gateway.port", Kind.WHOLE, "8080", "the gateway's port");
    public static final Setting DEADLINE = of(
            "rotor.gateway.deadline",
            Kind.DURATION,
            "60s",
            "the longest a request takes, waiting for a model included; `X-Rotor-Timeout-Ms` asks for less");
    public static final Setting FIRST_TOKEN_TIMEOUT = of(
            "rotor.gateway.first-token-timeout",
            Kind.DURATION,
            "15s",
            "the ceiling of each model's learned first-token limit: a stream with no content by then rotates");
    public static final Setting STALL_TIMEOUT = of(
            "rotor.gateway.stall-timeout",
            Kind.DURATION,
            "10s",
            "a stream silent this long after its first content has broken");
    public static final Setting RESUME = choice(
            "rotor.gateway.resume",
            "prefill",
            "`prefill`: a stream that breaks after content is finished by the next model; `never`: it ends with an error",
            "prefill",
            "never");
    public static final Setting HEDGE = of(
            "rotor.gateway.hedge",
            Kind.FLAG,
            "false",
            "a stream with no content at its model's learned limit is asked of the next free model too; the first wins");
    public static final Setting IDEMPOTENCY_TTL = of(
            "rotor.gateway.idempotency-ttl",
            Kind.DURATION,
            "24h",
            "a request repeated with its `Idempotency-Key` this long after gets the first answer again");
    public static final Setting MAX_BODY =
            of("rotor.gateway.max-body", Kind.SIZE, "4MiB", "a larger request body gets 413");
    public static final Setting MAX_IN_FLIGHT = of(
            "rotor.gateway.max-in-flight",
            Kind.COUNT,
            "512",
            "requests served at once; one more gets 503 with `Retry-After`");
    public static final Setting REQUEST_TIMEOUT = of(
            "rotor.gateway.request-timeout",
            Kind.DURATION,
            "30s",
            "a request whose headers or body stop arriving is dropped (408 once its headers are in)");
    public static final Setting MAX_CONNECTIONS = of(
            "rotor.gateway.max-connections",
            Kind.COUNT,
            "4096",
            "connections past this many are closed as they come (at least `max-in-flight`)");
    public static final Setting IDLE_TIMEOUT =
            of("rotor.gateway.idle-timeout", Kind.DURATION, "60s", "a keep-alive connection idle this long is closed");
    public static final Setting ALLOW_OPEN = of(
            "rotor.gateway.allow-open",
            Kind.FLAG,
            "false",
            "listen on a host other than loopback with no `ROTOR_GATEWAY_KEYS`");

    public static final SettingsGroup GROUP = new SettingsGroup(
            "Gateway",
            List.of(
                    HOST,
                    PORT,
                    DEADLINE,
                    FIRST_TOKEN_TIMEOUT,
                    STALL_TIMEOUT,
                    RESUME,
                    HEDGE,
                    IDEMPOTENCY_TTL,
                    MAX_BODY,
                    MAX_IN_FLIGHT,
                    REQUEST_TIMEOUT,
                    MAX_CONNECTIONS,
                    IDLE_TIMEOUT,
                    ALLOW_OPEN));

    private GatewayKeys() {}
}
