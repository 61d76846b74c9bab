package dev.rotor.check;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.models.ModelRegistry;
import dev.rotor.models.ModelRegistryLoader;
import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.SimulatorServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code rotor.jar check} against a provider that lists its models and prices as OpenRouter's /models does. */
class PreflightTest {

    private static ModelRegistry registry(String baseUrl, String models) {
        String yaml = "providers:\n  p: { base-url: \"" + baseUrl + "\" }\nmodels:\n" + models;
        return ModelRegistryLoader.parse(
                new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)), "models.yaml");
    }

    private static String check(ModelRegistry models, boolean[] fine) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        fine[0] = new Preflight(new ObjectMapper(), Duration.ofSeconds(2), p -> Optional.empty())
                .run(models, Set.of(), "models.yaml", new PrintStream(out, true, StandardCharsets.UTF_8));
        return out.toString(StandardCharsets.UTF_8);
    }

    @Test
    void shouldReportEveryPriceThatDiffersFromWhatTheProviderLists() throws Exception {
        Scenario scenario = Scenario.builder()
                .serveUnknownModels(false)
                .model("cheap", Scenario.ModelBehaviour.unlimited().withPrice("0.00000027", "0.0000011"))
                .model("dear", Scenario.ModelBehaviour.unlimited().withPrice("0.000003", "0.000015"))
                .model("unpriced", Scenario.ModelBehaviour.unlimited())
                .build();
        try (SimulatorServer sim = SimulatorServer.start(scenario)) {
            boolean[] fine = new boolean[1];
            String table = check(registry(sim.baseUrl().toString(), """
                      - { id: cheap, provider: p, price: { input-per-million: 0.27, output-per-million: 1.10 } }
                      - { id: dear, provider: p, price: { input-per-million: 3, output-per-million: 12 } }
                      - { id: unpriced, provider: p }
                    """), fine);

            assertThat(table)
                    .containsPattern("cheap\\s+p\\s+yes\\s+0.27/1.1 per M in/out \\(as the provider lists\\)")
                    .containsPattern(
                            "dear\\s+p\\s+yes\\s+DIFFERS: models.yaml 3/12 per M in/out, provider 3/15 per M in/out")
                    .containsPattern("unpriced\\s+p\\s+yes\\s+-")
                    .contains("check: NOT fine (1 price(s) differ from the provider's)");
            assertThat(fine[0]).isFalse();

            String agreeing = check(registry(sim.baseUrl().toString(), """
                      - { id: cheap, provider: p, price: { input-per-million: 0.27, output-per-million: 1.1 } }
                      - { id: dear, provider: p }
                    """), fine);
            assertThat(agreeing)
                    .containsPattern("dear\\s+p\\s+yes\\s+none in models.yaml; the provider lists 3/15 per M in/out")
                    .contains("check: fine");
            assertThat(fine[0]).isTrue();
        }
    }
}
