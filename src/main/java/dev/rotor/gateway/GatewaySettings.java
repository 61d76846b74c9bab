package dev.rotor.gateway;

import java.time.Duration;
import java.util.List;

/**
 * The OpenAI-compatible gateway's settings ({@code rotor.gateway.*}).
 *
 * @param deadline the longest a request may take, waiting for a model included; a caller may ask for less
 * @param maxBodyBytes a request body larger than this gets 413
 * @param maxInFlight requests served at once; one more gets 503 with Retry-After
 * @param allowOpen bind a non-loopback host with no gateway keys
 * @param keys the bearer tokens a caller must show ({@code ROTOR_GATEWAY_KEYS}); none: no check
 * @param firstTokenTimeout a streamed call with no content chunk by then fails and rotates
 * @param stallTimeout a stream silent this long after its first chunk ends with an error event
 * @param idempotencyTtl a request repeated with its Idempotency-Key this long after gets the same answer again
 * @param resume a stream that breaks after content is finished by another model ({@code prefill}), or not
 *     ({@code never})
 * @param hedge a stream without a first token at its model's learned limit is asked of the next model too
 * @param requestTimeout a request whose headers or body stop arriving is dropped after this long
 * @param maxConnections connections beyond this many are refused at once
 * @param idleTimeout an idle keep-alive connection is closed after this long
 */
public record GatewaySettings(
        String host,
        int port,
        Duration deadline,
        long maxBodyBytes,
        int maxInFlight,
        boolean allowOpen,
        List<String> keys,
        Duration firstTokenTimeout,
        Duration stallTimeout,
        Duration idempotencyTtl,
        boolean resume,
        boolean hedge,
        Duration requestTimeout,
        int maxConnections,
        Duration idleTimeout) {

    public GatewaySettings {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("rotor.gateway.port must be 0 to 65535, got " + port);
        }
        if (deadline.isZero() || deadline.isNegative()) {
            throw new IllegalArgumentException("rotor.gateway.deadline must be positive, got " + deadline);
        }
        if (maxBodyBytes < 1) {
            throw new IllegalArgumentException("rotor.gateway.max-body must be at least 1 byte, got " + maxBodyBytes);
        }
        if (maxInFlight < 1) {
            throw new IllegalArgumentException("rotor.gateway.max-in-flight must be at least 1, got " + maxInFlight);
        }
        keys = List.copyOf(keys);
        if (firstTokenTimeout.isZero()
                || firstTokenTimeout.isNegative()
                || stallTimeout.isZero()
                || stallTimeout.isNegative()) {
            throw new IllegalArgumentException("rotor.gateway.first-token-timeout and stall-timeout must be positive");
        }
        if (requestTimeout.isZero()
                || requestTimeout.isNegative()
                || idleTimeout.isZero()
                || idleTimeout.isNegative()) {
            throw new IllegalArgumentException("rotor.gateway.request-timeout and idle-timeout must be positive");
        }
        if (maxConnections < maxInFlight) {
            throw new IllegalArgumentException("rotor.gateway.max-connections must be at least max-in-flight ("
                    + maxInFlight + "), got " + maxConnections);
        }
        if (idempotencyTtl.isZero() || idempotencyTtl.isNegative()) {
            throw new IllegalArgumentException("rotor.gateway.idempotency-ttl must be positive, got " + idempotencyTtl);
        }
    }

    /** Whether the host is reachable from this machine only. */
    public boolean loopbackOnly() {
        return host.equals("127.0.0.1") || host.equals("::1") || host.equals("localhost");
    }

    @Override
    public String toString() {
        // the keys are secrets: never in a log line
        return "GatewaySettings[host=" + host + ", port=" + port + ", deadline=" + deadline + ", maxBodyBytes="
                + maxBodyBytes + ", maxInFlight=" + maxInFlight + ", allowOpen=" + allowOpen + ", keys=" + keys.size()
                + "]";
    }
}
