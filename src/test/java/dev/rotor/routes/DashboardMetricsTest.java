package dev.rotor.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.FreePorts;
import dev.rotor.support.RotorHarness;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped Grafana dashboard and Prometheus alert rules name only metrics a running Rotor exports: its own and the
 * GenAI conventions'.
 */
class DashboardMetricsTest {

    private static final Pattern METRIC = Pattern.compile("\\b(rotor|gen_ai_client)_[a-z0-9_]+");

    @TempDir
    Path dir;

    @Test
    void shouldUseOnlyMetricsThatALiveScrapeShows() throws Exception {
        JsonNode dashboard = new ObjectMapper()
                .readTree(Path.of("dashboards/rotor-grafana.json").toFile());
        List<String> expressions = new ArrayList<>();
        dashboard
                .path("panels")
                .forEach(p -> p.path("targets")
                        .forEach(t -> expressions.add(t.path("expr").asText())));
        dashboard
                .path("templating")
                .path("list")
                .forEach(v -> expressions.add(v.path("query").asText()));
        JsonNode alerts = new ObjectMapper(new YAMLFactory())
                .readTree(Path.of("dashboards/rotor-alerts.yaml").toFile());
        List<String> alertNames = new ArrayList<>();
        alerts.path("groups")
                .forEach(g -> g.path("rules").forEach(r -> {
                    expressions.add(r.path("expr").asText());
                    alertNames.add(r.path("alert").asText());
                }));
        assertThat(alertNames)
                .containsExactlyInAnyOrder(
                        "RotorChainUnavailable",
                        "RotorDeadLettersRising",
                        "RotorBreakerOpen",
                        "RotorDailyCapHit",
                        "RotorStateDegraded",
                        "RotorOutputRefusing",
                        "RotorBudgetNearlySpent");
        Set<String> used = new TreeSet<>();
        for (String e : expressions) {
            Matcher m = METRIC.matcher(e);
            while (m.find()) {
                used.add(m.group());
            }
        }
        assertThat(used).hasSizeGreaterThan(15);

        int port = FreePorts.next();
        String scrape;
        // a priced model under a budget, so that the budget's gauges are there as in a Rotor that keeps one
        try (SimulatorServer sim = SimulatorServer.start(Scenario.builder().build());
                RotorHarness rotor = RotorHarness.on(
                                dir,
                                sim,
                                Map.of(
                                        "vendor/primary",
                                        ", price: { input-per-million: 1, output-per-million: 2 }, budget: { usd-per-day: 1 }"),
                                "vendor/primary",
                                "vendor/secondary")
                        .set("camel.management.enabled", "true")
                        .set("camel.management.port", Integer.toString(port))
                        .start()) {
            // the GenAI conventions' meters have a series once a call was made
            rotor.dropTask("dash-1");
            rotor.awaitEnded(1, Duration.ofSeconds(30));
            scrape = HttpClient.newHttpClient()
                    .send(
                            HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/observe/metrics"))
                                    .timeout(Duration.ofSeconds(10))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
        }
        Set<String> exported = new TreeSet<>();
        for (String line : scrape.split("\n")) {
            if (!line.startsWith("#") && !line.isBlank()) {
                exported.add(line.split("[{ ]", 2)[0]);
            }
        }
        assertThat(exported).as("a live scrape").containsAll(used);
    }
}
