package dev.rotor.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.RotorHarness;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The corpus of hostile inputs in src/test/resources/hostile: each is dead-lettered with its reason, nothing else
 * stops.
 */
class HostileInputRouteTest {

    private static final Path CORPUS = Path.of("src/test/resources/hostile");

    @TempDir
    Path dir;

    @Test
    void shouldDeadLetterEveryHostileInputWithItsReasonWhileValidTasksAroundThemComplete() throws Exception {
        Properties expected = new Properties();
        try (InputStream in = Files.newInputStream(CORPUS.resolve("expected-reasons.properties"))) {
            expected.load(in);
        }
        List<Path> corpus;
        try (Stream<Path> files = Files.list(CORPUS)) {
            corpus = files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
        }
        assertThat(corpus).hasSizeGreaterThanOrEqualTo(30).hasSize(expected.size());
        byte[] huge = new byte[1024 * 1024 + 1];
        Arrays.fill(huge, (byte) ' ');

        try (SimulatorServer sim = SimulatorServer.start(Scenario.builder().build());
                // the corpus is renamed into the inbox whole: no writer pauses, so its broken files need not settle
                // long
                RotorHarness rotor = RotorHarness.on(dir, sim, "vendor/primary", "vendor/secondary")
                        .set("rotor.inbox.settle", "1s")
                        .start()) {
            rotor.dropTask("valid-before");
            for (Path f : corpus) {
                rotor.drop(f.getFileName().toString(), Files.readAllBytes(f));
            }
            rotor.drop("huge.json", huge);
            rotor.dropTask("valid-after");
            rotor.awaitEnded(corpus.size() + 3, Duration.ofSeconds(60));

            assertThat(rotor.result("valid-before").path("status").asText()).isEqualTo("completed");
            assertThat(rotor.result("valid-after").path("status").asText()).isEqualTo("completed");
            for (String name : expected.stringPropertyNames()) {
                JsonNode dead = rotor.deadLetter(name);
                assertThat(dead.path("status").asText()).as(name).isEqualTo("failed");
                assertThat(dead.path("error").path("type").asText()).as(name).isEqualTo("invalid_task");
                assertThat(dead.path("error").path("message").asText()).as(name).contains(expected.getProperty(name));
                assertThat(dead.has("raw") || dead.has("raw_base64"))
                        .as(name + " keeps its input")
                        .isTrue();
            }
            JsonNode hugeDead = rotor.deadLetter("huge");
            assertThat(hugeDead.path("error").path("message").asText()).contains("over the limit");
            assertThat(rotor.files(rotor.failed())).hasSize(corpus.size() + 1);
            assertThat(rotor.files(rotor.outbox())).hasSize(2);
            assertThat(sim.calls()).hasSize(2);
            assertThat(rotor.files(rotor.inbox())).isEmpty();
            try (Stream<Path> everything = Files.walk(dir.getParent(), 1)) {
                assertThat(everything.map(p -> p.getFileName().toString())).doesNotContain("passwd", "passwd.json");
            }
        }
    }
}
