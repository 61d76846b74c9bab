package dev.rotor.support;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import redis.clients.jedis.RedisClient;

/**
 * A real {@code redis-server} on a free loopback port, without persistence, for one test class. Tests that need it are
 * skipped, saying why, only when no {@code redis-server} is installed ({@code .ci/run} installs it).
 */
public final class TestRedis implements AutoCloseable {

    private static final List<String> PLACES =
            List.of("/usr/bin/redis-server", "/usr/local/bin/redis-server", "/usr/sbin/redis-server");

    private final Path binary;
    private final int port;
    private final String password;
    private Process process;
    private RedisClient client;

    private TestRedis(Path binary, int port, String password) {
        this.binary = binary;
        this.port = port;
        this.password = password;
    }

    /** Starts one, or skips the calling test when none is installed. */
    public static TestRedis start() throws IOException {
        return start("");
    }

    /** Starts one that asks clients for this password (none if empty). */
    public static TestRedis start(String password) throws IOException {
        Optional<Path> binary = find();
        Assumptions.assumeTrue(
                binary.isPresent(),
                "redis-server is not installed (apt-get install -y redis-server): the shared-state tests are skipped");
        TestRedis redis = new TestRedis(binary.get(), FreePorts.next(), password);
        redis.launch();
        return redis;
    }

    private static Optional<Path> find() {
        Stream<Path> onPath =
                Stream.of(System.getenv().getOrDefault("PATH", "").split(":")).map(dir -> Path.of(dir, "redis-server"));
        return Stream.concat(PLACES.stream().map(Path::of), onPath)
                .filter(Files::isExecutable)
                .findFirst();
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** A client of its own, for a test to look at or disturb what Rotor keeps. */
    public RedisClient client() {
        if (client == null) {
            client = password.isEmpty()
                    ? RedisClient.create("127.0.0.1", port)
                    : RedisClient.create("127.0.0.1", port, "default", password);
        }
        return client;
    }

    /** Kills the server at once, as a crash would. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    /** Starts it again on the same port, empty. */
    public void restart() throws IOException {
        if (client != null) {
            // its pooled connections died with the server
            client.close();
            client = null;
        }
        launch();
    }

    private void launch() throws IOException {
        List<String> command = new ArrayList<>(List.of(
                binary.toString(),
                "--port",
                Integer.toString(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--protected-mode",
                "no"));
        if (!password.isEmpty()) {
            command.addAll(List.of("--requirepass", password));
        }
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> "PONG".equals(client().ping()));
    }

    @Override
    public void close() throws InterruptedException {
        if (client != null) {
            client.close();
        }
        if (process != null) {
            kill();
        }
    }
}
