package dev.rotor.gateway;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;

/** The bearer tokens a gateway caller must show ({@code ROTOR_GATEWAY_KEYS}); with none, every caller is admitted. */
final class GatewayKeys {

    private final List<byte[]> keys;

    GatewayKeys(List<String> keys) {
        this.keys = keys.stream().map(k -> k.getBytes(StandardCharsets.UTF_8)).toList();
    }

    /** @param authorization the request's {@code Authorization} header, or null */
    boolean admit(String authorization) {
        if (keys.isEmpty()) {
            return true;
        }
        byte[] shown = authorization != null && authorization.regionMatches(true, 0, "Bearer ", 0, 7)
                ? authorization.substring(7).strip().getBytes(StandardCharsets.UTF_8)
                : new byte[0];
        boolean known = false;
        for (byte[] key : keys) {
            // every key compared, each in constant time: how long the check takes tells nothing of any key
            known |= MessageDigest.isEqual(key, shown);
        }
        return known;
    }
}
