package dev.rotor.support;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * Debian's {@code chromium}, headless, to read a page as a browser renders it once its scripts ran. Tests that need it
 * are skipped, saying why, only when no chromium is installed ({@code .ci/run} installs it).
 */
public final class HeadlessChromium {

    private static final List<String> PLACES =
            List.of("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome");

    private final Path binary;
    private final Path profile;

    private HeadlessChromium(Path binary, Path profile) {
        this.binary = binary;
        this.profile = profile;
    }

    /** The installed chromium with a fresh profile under {@code dir}, or the calling test skipped. */
    public static HeadlessChromium in(Path dir) {
        Stream<Path> onPath = Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
                .flatMap(d -> Stream.of(Path.of(d, "chromium"), Path.of(d, "chromium-browser")));
        Optional<Path> found = Stream.concat(PLACES.stream().map(Path::of), onPath)
                .filter(Files::isExecutable)
                .findFirst();
        Assumptions.assumeTrue(
                found.isPresent(),
                "chromium is not installed (apt-get install -y chromium): the status page's browser test is skipped");
        return new HeadlessChromium(found.get(), dir.resolve("chromium-profile"));
    }

    /** The DOM after the page's scripts ran for {@code virtualMs} of virtual time. */
    public String dumpDom(String url, int virtualMs) throws IOException, InterruptedException {
        return new String(run(url, virtualMs, "--dump-dom"), StandardCharsets.UTF_8);
    }

    /** A PNG of the page, {@code width} × {@code height}, after its scripts ran for {@code virtualMs}. */
    public void screenshot(String url, int virtualMs, Path png, int width, int height)
            throws IOException, InterruptedException {
        run(
                url,
                virtualMs,
                "--screenshot=" + png.toAbsolutePath(),
                "--window-size=" + width + "," + height,
                "--hide-scrollbars");
    }

    private byte[] run(String url, int virtualMs, String... what) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                binary.toString(),
                "--headless",
                "--disable-gpu",
                "--no-sandbox",
                "--no-first-run",
                "--user-data-dir=" + profile,
                "--virtual-time-budget=" + virtualMs));
        command.addAll(List.of(what));
        command.add(url);
        Path errors = Files.createTempFile("chromium", ".log");
        Process p = new ProcessBuilder(command).redirectError(errors.toFile()).start();
        byte[] out = p.getInputStream().readAllBytes();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException("chromium did not finish within 60 s: " + command);
        }
        if (p.exitValue() != 0 || (what[0].equals("--dump-dom") && out.length == 0)) {
            throw new IOException("chromium exited with " + p.exitValue() + ": " + Files.readString(errors));
        }
        Files.deleteIfExists(errors);
        return out;
    }
}
