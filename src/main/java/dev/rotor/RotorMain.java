package dev.rotor;

public final class RotorMain {

    public static void main(String[] args) throws Exception {
        int code;
        try {
            code = new RotorApplication().run(args);
        } catch (Exception failure) {
            var mistake = ConfigurationMistake.in(failure);
            if (mistake.isEmpty()) {
                throw failure;
            }
            // a wrong setting or models.yaml is the user's to fix: one line that says what, not a stack trace
            System.err.println("rotor: " + mistake.get().getMessage());
            code = ConfigurationMistake.EXIT_CODE;
        }
        System.exit(code);
    }
}
