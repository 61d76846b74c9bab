package dev.rotor.check;

/** The preflight check ran instead of Rotor: the process ends with this exit code, 0 when everything was fine. */
public final class CheckFinished extends RuntimeException {

    private final int exitCode;

    public CheckFinished(int exitCode) {
        super("preflight check finished with exit code " + exitCode, null, false, false);
        this.exitCode = exitCode;
    }

    public int exitCode() {
        return exitCode;
    }
}
