package dev.rotor.simulator;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.apache.camel.support.service.ServiceSupport;

/** The simulator as a Camel service: started when Rotor has no key, stopped with the context. */
public final class EmbeddedSimulator extends ServiceSupport {

    private static final String BUILT_IN = "/simulator-default.yaml";

    private final SimulatorServer server;

    private EmbeddedSimulator(SimulatorServer server) {
        this.server = server;
    }

    public static EmbeddedSimulator start(Optional<Path> scenarioFile) {
        try {
            return new EmbeddedSimulator(SimulatorServer.start(scenario(scenarioFile)));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the embedded simulator", e);
        }
    }

    public SimulatorServer server() {
        return server;
    }

    private static Scenario scenario(Optional<Path> file) throws IOException {
        if (file.isPresent()) {
            if (!Files.isRegularFile(file.get())) {
                throw new IllegalArgumentException("rotor.simulator.scenario: no such file " + file.get());
            }
            return Scenario.load(file.get());
        }
        try (InputStream in = EmbeddedSimulator.class.getResourceAsStream(BUILT_IN)) {
            return new ObjectMapper(new YAMLFactory())
                    .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                    .readValue(in, Scenario.class);
        }
    }

    @Override
    protected void doStop() {
        server.close();
    }
}
