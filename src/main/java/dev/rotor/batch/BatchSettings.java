package dev.rotor.batch;

import java.nio.file.Path;
import java.time.Duration;

/**
 * What a batch run needs to know besides its collaborators.
 *
 * @param atMost the longest a batch waits for its tasks to end
 * @param progressEvery how often a progress line is printed; zero: every 2 s on a terminal, every 30 s otherwise
 * @param outputGiveUp an output that refuses every outcome this long ends the run, its tasks left in the inbox
 */
public record BatchSettings(
        Path inbox, Path summaryFile, Duration atMost, Duration progressEvery, Duration outputGiveUp) {}
