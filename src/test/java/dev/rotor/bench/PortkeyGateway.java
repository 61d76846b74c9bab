package dev.rotor.bench;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Portkey's open-source gateway (npm {@code @portkey-ai/gateway}), started with {@code npx} as its README says, for the
 * peer column of the goodput benchmark. Optional: without npx the benchmark says so and goes on.
 */
final class PortkeyGateway implements AutoCloseable {

    static final String PACKAGE = "@portkey-ai/gateway@1.15.2";
    private static final Duration START_TIMEOUT = Duration.ofMinutes(4);

    private final Process process;
    private final int port;

    private PortkeyGateway(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** The gateway listening on {@code port}, or empty (with the reason printed) when it cannot run here. */
    static Optional<PortkeyGateway> start(int port, Path log) throws InterruptedException {
        if (!onPath("npx")) {
            System.out.println(
                    "portkey: skipped, npx is not on the PATH (install Node.js 18+ to include the peer gateway)");
            return Optional.empty();
        }
        Process process;
        try {
            process = new ProcessBuilder("npx", "-y", PACKAGE, "--port=" + port)
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
        } catch (IOException e) {
            System.out.println("portkey: skipped, npx did not start: " + e.getMessage());
            return Optional.empty();
        }
        PortkeyGateway gateway = new PortkeyGateway(process, port);
        HttpClient http = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline && process.isAlive()) {
            try {
                HttpResponse<String> hello = http.send(
                        HttpRequest.newBuilder(gateway.baseUrl().resolve("/"))
                                .timeout(Duration.ofSeconds(2))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (hello.statusCode() == 200) {
                    return Optional.of(gateway);
                }
            } catch (IOException notYet) {
                // still downloading or starting
            }
            Thread.sleep(500);
        }
        gateway.close();
        System.out.println("portkey: skipped, the gateway did not answer within " + START_TIMEOUT.toMinutes()
                + " min; its output is in " + log);
        return Optional.empty();
    }

    URI baseUrl() {
        return URI.create("http://localhost:" + port);
    }

    private static boolean onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    @Override
    public void close() throws InterruptedException {
        // npx runs the gateway as a child node process: stop the whole tree
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        process.waitFor();
    }
}
