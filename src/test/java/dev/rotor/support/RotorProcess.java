package dev.rotor.support;

import java.io.File;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import dev.rotor.RotorMain;

/** Rotor in a process of its own, as a user starts it, configured through environment variables only. */
public final class RotorProcess {

    private RotorProcess() {
    }

    /** Starts {@code RotorMain} from the project folder with this environment; its output goes to {@code log}. */
    public static Process start(Map<String, String> env, Path log) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), RotorMain.class.getName())
                .directory(new File(System.getProperty("user.dir")))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().put("CAMEL_MANAGEMENT_ENABLED", "false");
        pb.environment().put(RotorHarness.KEY_VARIABLE, RotorHarness.DEFAULT_KEY);
        pb.environment().putAll(env);
        return pb.start();
    }
}
