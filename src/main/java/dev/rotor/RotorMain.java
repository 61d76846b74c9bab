package dev.rotor;

public final class RotorMain {
    public static void main(String[] args) throws Exception {
        System.exit(new RotorApplication().run(args));
    }
}
