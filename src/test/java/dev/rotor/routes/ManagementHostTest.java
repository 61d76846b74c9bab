package dev.rotor.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.FreePorts;
import dev.rotor.support.RotorHarness;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The management port (status page, metrics, health) has no authentication: by default it answers on 127.0.0.1 and not
 * on this machine's other address; {@code camel.management.host=0.0.0.0} opens it to both.
 */
class ManagementHostTest {

    @TempDir
    Path dir;

    /** This machine's address on its network: what another host would reach it at. */
    private static InetAddress networkAddress() throws SocketException {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            for (InetAddress a : Collections.list(nic.getInetAddresses())) {
                if (a instanceof Inet4Address && !a.isLoopbackAddress() && !a.isLinkLocalAddress()) {
                    return a;
                }
            }
        }
        throw new IllegalStateException("this machine has no network address to test against");
    }

    private static int metrics(String host, int port) throws IOException, InterruptedException {
        return HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(2))
                .build()
                .send(
                        HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + "/observe/metrics"))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString())
                .statusCode();
    }

    private RotorHarness managed(SimulatorServer sim, int port) {
        return RotorHarness.on(dir, sim, "vendor/primary")
                .set("camel.management.enabled", "true")
                .set("camel.management.port", Integer.toString(port));
    }

    @Test
    void shouldAnswerOnLoopbackOnlyByDefault() throws Exception {
        String other = networkAddress().getHostAddress();
        int port = FreePorts.next();
        try (SimulatorServer sim = SimulatorServer.start(Scenario.builder().build());
                RotorHarness rotor = managed(sim, port).start()) {
            assertThat(metrics("127.0.0.1", port)).isEqualTo(200);
            assertThatThrownBy(() -> metrics(other, port)).isInstanceOf(IOException.class);
        }
    }

    @Test
    void shouldAnswerOnEveryAddressOnceOpened() throws Exception {
        String other = networkAddress().getHostAddress();
        int port = FreePorts.next();
        try (SimulatorServer sim = SimulatorServer.start(Scenario.builder().build());
                RotorHarness rotor = managed(sim, port)
                        .set("camel.management.host", "0.0.0.0")
                        .start()) {
            assertThat(metrics("127.0.0.1", port)).isEqualTo(200);
            assertThat(metrics(other, port)).isEqualTo(200);
        }
    }
}
