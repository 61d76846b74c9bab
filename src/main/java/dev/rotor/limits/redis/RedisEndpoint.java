package dev.rotor.limits.redis;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Optional;

/**
 * Where Redis is, parsed from {@code rotor.state.redis-url}. The password never comes in the URL (it would end up in a
 * log line or a process listing); it comes from the environment.
 */
public record RedisEndpoint(String host, int port, boolean tls, Optional<String> user, int database) {

    public static RedisEndpoint parse(String url) {
        URI uri;
        try {
            uri = new URI(url.strip());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("rotor.state.redis-url is not a URL: " + e.getMessage());
        }
        String scheme = Optional.ofNullable(uri.getScheme()).orElse("");
        if (!scheme.equals("redis") && !scheme.equals("rediss")) {
            throw new IllegalArgumentException(
                    "rotor.state.redis-url must start with redis:// or rediss://, got '" + scheme + "'");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("rotor.state.redis-url names no host");
        }
        Optional<String> user = Optional.ofNullable(uri.getUserInfo()).filter(u -> !u.isEmpty());
        if (user.isPresent() && user.get().contains(":")) {
            throw new IllegalArgumentException("rotor.state.redis-url must not hold the password: "
                    + "set it in the environment variable ROTOR_STATE_PASSWORD");
        }
        String path = Optional.ofNullable(uri.getPath()).orElse("").replace("/", "");
        int database;
        try {
            database = path.isEmpty() ? 0 : Integer.parseInt(path);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "rotor.state.redis-url: the path must be a database number, got '" + path + "'");
        }
        return new RedisEndpoint(
                uri.getHost(), uri.getPort() < 0 ? 6379 : uri.getPort(), scheme.equals("rediss"), user, database);
    }

    @Override
    public String toString() {
        return (tls ? "rediss://" : "redis://") + user.map(u -> u + "@").orElse("") + host + ":" + port + "/"
                + database;
    }
}
