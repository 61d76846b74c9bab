package dev.rotor.transport;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.rotor.ConfigurationMistake;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedBrokerTest {

    @TempDir
    Path dir;

    @Test
    void shouldRefuseToStartWithOneLineWhenItsPortIsTaken() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            String url = "tcp://127.0.0.1:" + taken.getLocalPort();
            // Artemis itself would log the failed bind and start anyway, reachable by no one
            assertThatThrownBy(() -> new EmbeddedBroker(url, dir, "rotor.tasks", "rotor.dead-letters"))
                    .isInstanceOf(ConfigurationMistake.class)
                    .hasMessageContaining(url)
                    .hasMessageContaining("rotor.jms.broker-url");
        }
    }
}
