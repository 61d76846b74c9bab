package dev.rotor.status;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Optional;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the management port listens. Rotor's default is 127.0.0.1: the port has no authentication, and its status page
 * shows task ids and providers' error messages. {@code camel.management.host} (or {@code CAMEL_MANAGEMENT_HOST}) opens
 * it; then one WARN says what is exposed.
 */
public final class ManagementHost {

    public static final String KEY = "camel.management.host";
    public static final String DEFAULT = "127.0.0.1";
    private static final Logger LOG = LoggerFactory.getLogger(ManagementHost.class);

    private ManagementHost() {}

    /** Says so when the management port is reachable from other machines. */
    public static void warnIfOpen(Function<String, Optional<String>> property) {
        boolean enabled = property.apply("camel.management.enabled")
                .map(Boolean::parseBoolean)
                .orElse(false);
        String host = property.apply(KEY).map(String::strip).orElse(DEFAULT);
        if (enabled && !loopback(host)) {
            LOG.warn(
                    "The management port listens on {}:{} ({}), reachable from other machines and with no "
                            + "authentication: the status page (task ids, models, providers' error messages), Prometheus "
                            + "metrics and health. Keep it on a network only operators reach, or set {}=127.0.0.1",
                    host,
                    property.apply("camel.management.port").orElse("9876"),
                    KEY,
                    KEY);
        }
    }

    private static boolean loopback(String host) {
        try {
            return InetAddress.getByName(host).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
