package dev.rotor.support;

import dev.rotor.RotorMain;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Rotor in a process of its own, as a user starts it, configured through environment variables only. */
public final class RotorProcess {

    private RotorProcess() {}

    /** Starts {@code RotorMain} from the project folder with this environment; its output goes to {@code log}. */
    public static Process start(Map<String, String> env, Path log) throws IOException {
        return start(List.of(), env, log);
    }

    /** As above, with options for the JVM ({@code -Xmx256m}, {@code -Xlog:gc:file=...}). */
    public static Process start(List<String> jvmOptions, Map<String, String> env, Path log) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(jvmOptions);
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), RotorMain.class.getName()));
        ProcessBuilder pb = new ProcessBuilder(command)
                .directory(new File(System.getProperty("user.dir")))
                .redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().put("CAMEL_MANAGEMENT_ENABLED", "false");
        // as in RotorHarness: test simulators serve models their scenarios do not list
        pb.environment().put("ROTOR_CHECK_AT_START", "false");
        pb.environment().put(RotorHarness.KEY_VARIABLE, RotorHarness.DEFAULT_KEY);
        // each process its own journal and cache beside its log, unless the test shares one on purpose
        pb.environment()
                .put(
                        "ROTOR_CACHE_DIR",
                        log.toAbsolutePath().getParent().resolve("cache").toString());
        pb.environment().putAll(env);
        return pb.start();
    }
}
