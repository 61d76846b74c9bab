package dev.rotor.transport;

import java.nio.file.Path;

/** Where the JMS broker is, and whether Rotor starts one itself. */
public record JmsSettings(String brokerUrl, String username, String password, boolean embedded, Path embeddedDataDir) {
}
