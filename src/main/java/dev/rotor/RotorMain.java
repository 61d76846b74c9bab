package dev.rotor;

import dev.rotor.check.CheckFinished;
import java.util.Arrays;

public final class RotorMain {

    /** {@code java -jar rotor.jar check} (or ROTOR_CHECK=true): the preflight check instead of a run. */
    static final String CHECK = "check";

    public static void main(String[] args) throws Exception {
        // what logs through java.util.logging (the OpenTelemetry SDK: a collector out of reach, a full span queue)
        // goes to Rotor's log, in its format; set before any library asks for a logger
        System.setProperty("java.util.logging.manager", "org.apache.logging.log4j.jul.LogManager");
        if (args.length > 0 && CHECK.equals(args[0])) {
            System.setProperty("rotor.check", "true");
            args = Arrays.copyOfRange(args, 1, args.length);
        }
        int code;
        try {
            code = new RotorApplication().run(args);
        } catch (Exception failure) {
            code = earlyExit(failure);
        }
        System.exit(code);
    }

    /** A check that ran, or a configuration mistake (one line, not a stack trace); anything else goes on up. */
    private static int earlyExit(Exception failure) throws Exception {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof CheckFinished check) {
                return check.exitCode();
            }
        }
        var mistake = ConfigurationMistake.in(failure);
        if (mistake.isEmpty()) {
            throw failure;
        }
        System.err.println("rotor: " + mistake.get().getMessage());
        return ConfigurationMistake.EXIT_CODE;
    }
}
