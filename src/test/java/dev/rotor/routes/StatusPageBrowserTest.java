package dev.rotor.routes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.Scenario.ModelBehaviour;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.FreePorts;
import dev.rotor.support.HeadlessChromium;
import dev.rotor.support.RotorHarness;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The status page in a real browser: Rotor on the simulator with one model cooling after a 429 and another whose
 * breaker opened on answers that were a proxy's HTML error page (a script in it). Chromium renders the page; its DOM
 * must show those states, the rotation and the dead letter, and the markup must stay text.
 */
class StatusPageBrowserTest {

    private static final String COOLING = "vendor/cooling";
    private static final String BROKEN = "vendor/broken";
    private static final String STEADY = "vendor/steady";

    @TempDir
    Path dir;

    @Test
    void shouldShowCoolingAndOpenBreakerAndKeepInjectedMarkupAsText() throws Exception {
        HeadlessChromium chromium = HeadlessChromium.in(dir);
        Scenario scenario = Scenario.builder()
                .model(COOLING, ModelBehaviour.unlimited().withScript("429"))
                .model(BROKEN, ModelBehaviour.unlimited().withFaults(1.0, "not-json"))
                .model(STEADY, ModelBehaviour.unlimited())
                .build();
        int port = FreePorts.next();
        String page = "http://127.0.0.1:" + port + "/rotor/";
        try (SimulatorServer sim = SimulatorServer.start(scenario);
                RotorHarness rotor = RotorHarness.on(dir, sim, COOLING, BROKEN, STEADY)
                        .set("camel.management.enabled", "true")
                        .set("camel.management.port", Integer.toString(port))
                        .set("rotor.breaker.threshold", "2")
                        .set("rotor.breaker.wait", "5m")
                        .set("rotor.retry.max-attempts", "2")
                        .start()) {
            // two calls on the broken model: its breaker opens, the task is dead-lettered with the page's text
            rotor.drop("t-dead.json", "{\"id\": \"t-dead\", \"prompt\": \"hello\", \"models\": [\"" + BROKEN + "\"]}");
            rotor.awaitEnded(1, Duration.ofSeconds(20));
            // a 429 cools the first model (30 s); the broken one is skipped; the steady one serves
            rotor.drop("t-ok.json", "{\"id\": \"t-ok\", \"prompt\": \"hello\"}");
            rotor.awaitEnded(2, Duration.ofSeconds(20));
            // markup in a task id: refused at intake, the dead letter filed under a safe name
            rotor.drop("t-markup.json", "{\"id\": \"<script>document.title='id'</script>\", \"prompt\": \"hello\"}");
            rotor.awaitEnded(3, Duration.ofSeconds(20));

            JsonNode status = new ObjectMapper()
                    .readTree(HttpClient.newHttpClient()
                            .send(
                                    HttpRequest.newBuilder(URI.create(page + "status.json"))
                                            .build(),
                                    HttpResponse.BodyHandlers.ofString())
                            .body());
            assertThat(status.path("models").findValuesAsText("state"))
                    .containsExactly("cooling", "breaker open", "available");

            String dom = chromium.dumpDom(page, 3000);

            assertThat(row(dom, "models", COOLING)).contains(">cooling<").contains("rate_limited");
            assertThat(row(dom, "models", BROKEN)).contains(">breaker open<");
            assertThat(row(dom, "models", STEADY)).contains(">available<");
            assertThat(row(dom, "rotations", "t-ok")).contains(COOLING).contains(STEADY);
            assertThat(row(dom, "transports", "file")).isNotEmpty();
            assertThat(dom).contains("<polyline");
            String deadLetter = row(dom, "dead-letters", "t-dead");
            assertThat(deadLetter).contains("&lt;script&gt;document.title='injected'&lt;/script&gt;");
            assertThat(dom).doesNotContain("<script>document.title").contains("<title>Rotor status</title>");
            assertThat(row(dom, "dead-letters", "t-markup")).contains("invalid_task");
        }
    }

    /** The table row of {@code table} whose text holds {@code key}; empty when none does. */
    private static String row(String dom, String table, String key) {
        Matcher body = Pattern.compile("<table id=\"" + table + "\">.*?</table>", Pattern.DOTALL)
                .matcher(dom);
        assertThat(body.find()).as("table " + table + " in the page:\n" + dom).isTrue();
        Matcher rows = Pattern.compile("<tr>.*?</tr>", Pattern.DOTALL).matcher(body.group());
        while (rows.find()) {
            if (rows.group().contains(">" + key + "<")) {
                return rows.group();
            }
        }
        return "";
    }
}
