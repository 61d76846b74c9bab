package dev.rotor.transport;

import java.nio.file.Path;

/**
 * Where the JMS broker is, whether Rotor starts one itself, and the queues of tasks and of dead letters (an embedded
 * broker sends there what it would otherwise drop).
 */
public record JmsSettings(
        String brokerUrl,
        String username,
        String password,
        boolean embedded,
        Path embeddedDataDir,
        String tasksQueue,
        String deadLetterQueue) {}
