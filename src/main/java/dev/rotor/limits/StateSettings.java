package dev.rotor.limits;

import java.time.Duration;

/**
 * Where the limit state lives: in this process ({@code memory}) or shared on Redis by every process that points at the
 * same Redis and prefix ({@code redis}).
 *
 * @param redisUrl {@code redis://[user@]host[:port][/db]}, or {@code rediss://} for TLS; never the password
 * @param redisPassword from the environment ({@code ROTOR_STATE_PASSWORD}); empty for none
 * @param timeout a Redis slower than this is treated as lost: the call goes on local state
 */
public record StateSettings(Store store, String redisUrl, String prefix, String redisPassword, Duration timeout) {

    public enum Store {
        MEMORY,
        REDIS
    }

    @Override
    public String toString() {
        return "StateSettings[" + store + ", " + redisUrl + ", prefix " + prefix + ", password "
                + (redisPassword.isEmpty() ? "unset" : "set") + ", timeout " + timeout + "]";
    }
}
