package dev.rotor.support;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.RotorApplication;
import dev.rotor.batch.TaskLedger;
import dev.rotor.simulator.SimulatorServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.camel.CamelContext;
import org.apache.camel.builder.NotifyBuilder;

/**
 * Rotor on camel-main, in this JVM, on its real routes and settings file, with its folders in a temporary directory and
 * its one provider pointed at a test's simulator over real HTTP.
 */
public final class RotorHarness implements AutoCloseable {

    public static final String KEY_VARIABLE = "ROTOR_TEST_API_KEY";
    public static final String DEFAULT_KEY = "sk-or-v1-rotor-test-key-0123456789";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path root;
    private final Map<String, String> settings = new LinkedHashMap<>();
    private RotorApplication app;

    private RotorHarness(Path root) {
        this.root = root;
        settings.put("rotor.inbox.dir", inbox().toString());
        settings.put("rotor.outbox.dir", outbox().toString());
        settings.put("rotor.failed.dir", failed().toString());
        settings.put("rotor.models.file", root.resolve("models.yaml").toString());
        settings.put(
                "rotor.batch.summary-file", root.resolve("run-summary.json").toString());
        settings.put("rotor.cache.dir", root.resolve("cache").toString());
        settings.put("rotor.inbox.min-age", "0");
        settings.put("rotor.retry.initial-delay", "50");
        settings.put("rotor.retry.max-delay", "1s");
        settings.put("rotor.http.read-timeout", "5000");
        settings.put("rotor.simulator.enabled", "false");
        // most tests' simulators serve models their scenario does not list; the start check has a test of its own
        settings.put("rotor.check.at-start", "false");
        settings.put("camel.management.enabled", "false");
        settings.put("camel.main.shutdown-timeout", "5");
        settings.put(KEY_VARIABLE, DEFAULT_KEY);
    }

    /** A harness whose provider is the given simulator, serving these models in this priority order. */
    public static RotorHarness on(Path root, SimulatorServer simulator, String... models) {
        return on(root, simulator, Map.of(), models);
    }

    /** As above, with a limit-group declared over the models named in {@code groupMembers} (group "shared"). */
    public static RotorHarness on(
            Path root, SimulatorServer simulator, Map<String, String> modelExtras, String... models) {
        RotorHarness h = new RotorHarness(root);
        h.write(root.resolve("models.yaml"), modelsYaml(simulator, modelExtras, models));
        return h;
    }

    /**
     * A models.yaml with one provider, the simulator, serving these models in this order, and a chain "second-only".
     */
    public static String modelsYaml(SimulatorServer simulator, Map<String, String> modelExtras, String... models) {
        StringBuilder yaml = new StringBuilder();
        yaml.append("providers:\n  openrouter:\n    base-url: ")
                .append(simulator.baseUrl())
                .append("\n    api-key-env: ")
                .append(KEY_VARIABLE)
                .append('\n');
        yaml.append("limit-groups:\n  shared: { requests-per-minute: 1000 }\n");
        yaml.append("models:\n");
        for (String m : models) {
            yaml.append("  - { id: \"")
                    .append(m)
                    .append("\", provider: openrouter")
                    .append(modelExtras.getOrDefault(m, ""))
                    .append(" }\n");
        }
        yaml.append("chains:\n  second-only: [\"")
                .append(models[models.length > 1 ? 1 : 0])
                .append("\"]\n");
        return yaml.toString();
    }

    /** Every byte of every file below {@code root}, as text: to search it for what must not be there. */
    public static String textOfEveryFileUnder(Path root) throws IOException {
        StringBuilder all = new StringBuilder();
        try (Stream<Path> files = Files.walk(root)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                all.append(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1));
            }
        }
        return all.toString();
    }

    /** A harness whose models.yaml is the given text (for several providers). */
    public static RotorHarness withModels(Path root, String modelsYaml) {
        RotorHarness h = new RotorHarness(root);
        h.write(root.resolve("models.yaml"), modelsYaml);
        return h;
    }

    public RotorHarness set(String key, String value) {
        settings.put(key, value);
        return this;
    }

    public RotorHarness start() {
        app = new RotorApplication();
        settings.forEach(app::addOverrideProperty);
        try {
            app.start();
        } catch (Exception e) {
            throw new IllegalStateException("Rotor did not start", e);
        }
        return this;
    }

    public CamelContext context() {
        return app.getCamelContext();
    }

    public TaskLedger ledger() {
        return context().getRegistry().lookupByNameAndType("taskLedger", TaskLedger.class);
    }

    public Path inbox() {
        return root.resolve("inbox");
    }

    public Path outbox() {
        return root.resolve("outbox");
    }

    public Path failed() {
        return root.resolve("failed");
    }

    public Path root() {
        return root;
    }

    /** Drops a task file the way a well-behaved producer does: write a hidden temp file, then rename. */
    public void drop(String fileName, byte[] content) {
        try {
            Files.createDirectories(inbox());
            Path temp = inbox().resolve("." + fileName + ".part");
            Files.write(temp, content);
            Files.move(temp, inbox().resolve(fileName), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public void drop(String fileName, String content) {
        drop(fileName, content.getBytes(StandardCharsets.UTF_8));
    }

    public void dropTask(String id) {
        drop(id + ".json", "{\"id\":\"" + id + "\",\"prompt\":\"Write a haiku about task " + id + "\"}");
    }

    /** Matches once this many more inbox files have been completely processed (result or dead letter written). */
    public NotifyBuilder whenFilesDone(int count) {
        return new NotifyBuilder(context())
                .fromRoute("file-intake")
                .whenCompleted(count)
                .create();
    }

    /** Waits until this many tasks have ended (result or dead letter written). */
    public void awaitEnded(int count, Duration atMost) {
        await().atMost(atMost)
                .alias("tasks ended; so far: " + ledger().entries())
                .until(() -> ledger().count() >= count);
    }

    public JsonNode result(String id) {
        return read(outbox().resolve(id + ".json"));
    }

    public JsonNode deadLetter(String id) {
        return read(failed().resolve(id + ".json"));
    }

    public List<Path> files(Path dir) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static JsonNode read(Path file) {
        try {
            return JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        if (app != null) {
            try {
                app.stop();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }
    }
}
