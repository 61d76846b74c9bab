package dev.rotor.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.sun.management.UnixOperatingSystemMXBean;
import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.FreePorts;
import dev.rotor.support.RotorHarness;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients that open a connection and then send too little, too slowly, or nothing: they cannot hold the gateway. A
 * request whose headers or body stop arriving is dropped at the request timeout (408 when its headers were read),
 * connections past the bound are closed as they come, and an idle keep-alive connection closes.
 */
class GatewaySlowClientsTest {

    private static final String PARTIAL_BODY = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + "Content-Type: application/json\r\nContent-Length: 200\r\n\r\n{\"messages\":[{\"role\":";
    private static final String PARTIAL_HEADERS = "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty";

    @TempDir
    Path dir;

    private RotorHarness gateway(SimulatorServer sim, int port) {
        return RotorHarness.on(dir, sim, "vendor/primary")
                .set("rotor.intake", "http")
                .set("rotor.gateway.port", Integer.toString(port));
    }

    private static Socket connect(int port, String send) throws IOException {
        Socket socket = new Socket();
        socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        socket.setSoTimeout(15_000);
        if (!send.isEmpty()) {
            socket.getOutputStream().write(send.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
        }
        return socket;
    }

    /** What the server sent before it closed the connection. */
    private static String readToEnd(Socket socket) throws IOException {
        try (InputStream in = socket.getInputStream()) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        } catch (SocketTimeoutException stillOpen) {
            return "still open";
        }
    }

    private static HttpResponse<String> ask(int port) throws Exception {
        return HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                                .timeout(Duration.ofSeconds(10))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString(
                                        "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
    }

    private static String metrics(RotorHarness rotor) {
        return rotor.context()
                .getRegistry()
                .lookupByNameAndType("metricsRegistry", PrometheusMeterRegistry.class)
                .scrape();
    }

    /** 5,000, or as many as this machine's file descriptors allow twice over (client and server end). */
    private static int slowClients() {
        long fds = ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix
                ? unix.getMaxFileDescriptorCount()
                : 20_000;
        return (int) Math.min(5_000, (fds - 2_000) / 2);
    }

    @Test
    void shouldServeANormalRequestBesideThousandsOfSlowClientsAndDropThemAtTheRequestTimeout() throws Exception {
        int port = FreePorts.next();
        int count = slowClients();
        List<Socket> slow = new ArrayList<>();
        try (SimulatorServer sim = SimulatorServer.start(Scenario.builder().build());
                RotorHarness rotor = gateway(sim, port)
                        .set("rotor.gateway.request-timeout", "3s")
                        .set("rotor.gateway.max-connections", "10000")
                        .start()) {
            try {
                for (int i = 0; i < count; i++) {
                    slow.add(connect(port, i % 2 == 0 ? PARTIAL_BODY : PARTIAL_HEADERS));
                }
                HttpResponse<String> normal = ask(port);
                assertThat(normal.statusCode()).isEqualTo(200);
                assertThat(normal.body()).contains("Simulated answer");

                // every slow client is dropped at the timeout: a 408 for those whose headers were read
                for (int i = 0; i < slow.size(); i++) {
                    String got = readToEnd(slow.get(i));
                    if (i % 2 == 0) {
                        assertThat(got)
                                .as("client %d", i)
                                .startsWith("HTTP/1.1 408")
                                .contains("request_timeout");
                    } else {
                        assertThat(got).as("client %d", i).isEmpty();
                    }
                }
                assertThat(metrics(rotor)).contains("rotor_gateway_requests_timed_out_total " + (double) count);
                // all gone but the normal request's own, which its client keeps alive
                await().atMost(Duration.ofSeconds(5))
                        .untilAsserted(
                                () -> assertThat(metrics(rotor)).containsPattern("rotor_gateway_connections [01]\\.0"));
                assertThat(ask(port).statusCode()).isEqualTo(200);
            } finally {
                for (Socket s : slow) {
                    s.close();
                }
            }
        }
    }

    @Test
    void shouldCloseConnectionsPastTheBoundAsTheyComeAndAnIdleKeepAliveConnectionAfterTheIdleTimeout()
            throws Exception {
        int port = FreePorts.next();
        List<Socket> held = new ArrayList<>();
        try (SimulatorServer sim = SimulatorServer.start(Scenario.builder().build());
                RotorHarness rotor = gateway(sim, port)
                        .set("rotor.gateway.max-in-flight", "8")
                        .set("rotor.gateway.max-connections", "20")
                        .set("rotor.gateway.idle-timeout", "1s")
                        .start()) {
            try {
                for (int i = 0; i < 20; i++) {
                    held.add(connect(port, ""));
                }
                await().atMost(Duration.ofSeconds(5))
                        .untilAsserted(() -> assertThat(metrics(rotor)).contains("rotor_gateway_connections 20.0"));
                try (Socket past = connect(port, "")) {
                    assertThat(readToEnd(past)).isEmpty();
                }
                assertThat(metrics(rotor)).contains("rotor_gateway_connections_refused_total 1.0");
            } finally {
                for (Socket s : held) {
                    s.close();
                }
            }
            await().atMost(Duration.ofSeconds(5))
                    .untilAsserted(() -> assertThat(metrics(rotor)).contains("rotor_gateway_connections 0.0"));
            // a keep-alive connection: its answer, then nothing asked for a second, and it is closed
            try (Socket keepAlive = connect(port, "GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")) {
                String got = readToEnd(keepAlive);
                assertThat(got).startsWith("HTTP/1.1 200").contains("\"object\":\"list\"");
            }
            assertThat(metrics(rotor)).contains("rotor_gateway_connections_idle_closed_total 1.0");
        }
    }
}
