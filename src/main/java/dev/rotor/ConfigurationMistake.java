package dev.rotor;

import java.util.Optional;

/**
 * Rotor cannot start as configured: a setting or models.yaml is wrong. The message names the file or setting, the place
 * and what is expected; {@link RotorMain} prints it as one line and exits with {@link #EXIT_CODE}.
 */
public final class ConfigurationMistake extends RuntimeException {

    public static final int EXIT_CODE = 2;

    public ConfigurationMistake(Throwable mistake) {
        super(mistake.getMessage(), mistake, false, false);
    }

    /** The mistake behind a failed start, if that is why it failed. */
    public static Optional<ConfigurationMistake> in(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof ConfigurationMistake mistake) {
                return Optional.of(mistake);
            }
        }
        return Optional.empty();
    }
}
