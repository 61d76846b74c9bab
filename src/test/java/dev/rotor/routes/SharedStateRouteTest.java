package dev.rotor.routes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.rotor.simulator.Scenario;
import dev.rotor.simulator.SimulatorServer;
import dev.rotor.support.RotorHarness;
import dev.rotor.support.TestRedis;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;

/** Two Rotor instances on one password-protected Redis pace one declared quota together. */
class SharedStateRouteTest {

    private static final String PASSWORD = "redis-pass-0f9e8d7c6b5a";
    private static final String PROMPT_MARK = "haiku about task";
    private static final Path LOG = Path.of("target/test-logs/rotor.log");

    @TempDir
    Path dir;

    private RotorHarness rotor(SimulatorServer sim, Path root, TestRedis redis) {
        return RotorHarness.on(
                        root,
                        sim,
                        Map.of("vendor/primary", ", requests: 4, per: 60s"),
                        "vendor/primary",
                        "vendor/secondary")
                .set("rotor.state", "redis")
                .set("rotor.state.redis-url", redis.url())
                .set("rotor.state.password", PASSWORD)
                .set("rotor.state.prefix", "shared-test:");
    }

    @Test
    void shouldAnswerFromTheCacheTheOtherInstanceKeptOnRedis() throws Exception {
        try (TestRedis redis = TestRedis.start(PASSWORD);
                SimulatorServer sim =
                        SimulatorServer.start(Scenario.builder().latencyMs(20).build());
                RotorHarness one = rotor(sim, dir.resolve("one"), redis)
                        .set("rotor.cache", "on")
                        .start();
                RotorHarness two = rotor(sim, dir.resolve("two"), redis)
                        .set("rotor.cache", "on")
                        .start()) {
            for (int i = 0; i < 5; i++) {
                one.drop("one-" + i + ".json", "{\"id\":\"one-" + i + "\",\"prompt\":\"question " + i + "\"}");
            }
            one.awaitEnded(5, Duration.ofSeconds(30));
            RedisClient client = redis.client();
            await().atMost(Duration.ofSeconds(5)).until(() -> client.zcard("shared-test:kept") == 5);
            for (int i = 0; i < 5; i++) {
                two.drop("two-" + i + ".json", "{\"id\":\"two-" + i + "\",\"prompt\":\"question " + i + "\"}");
            }
            two.awaitEnded(5, Duration.ofSeconds(30));

            assertThat(sim.calls()).hasSize(5);
            assertThat(two.result("two-3").path("cached").asBoolean()).isTrue();
            assertThat(two.result("two-3").path("content").asText())
                    .isEqualTo(one.result("one-3").path("content").asText());
            String answerKey = "shared-test:kept:"
                    + client.zrange("shared-test:kept", 0, 0).get(0);
            assertThat(client.pttl(answerKey))
                    .as("an answer on Redis expires with rotor.cache.ttl")
                    .isBetween(1L, Duration.ofDays(7).toMillis());
        }
    }

    @Test
    void shouldPaceOneDeclaredQuotaAcrossTwoInstancesAndKeepPromptsAndPasswordOutOfRedisAndLogs() throws Exception {
        long logOffset = Files.exists(LOG) ? Files.size(LOG) : 0;
        try (TestRedis redis = TestRedis.start(PASSWORD);
                SimulatorServer sim =
                        SimulatorServer.start(Scenario.builder().latencyMs(20).build());
                RotorHarness one = rotor(sim, dir.resolve("one"), redis).start();
                RotorHarness two = rotor(sim, dir.resolve("two"), redis).start()) {
            for (int i = 0; i < 10; i++) {
                one.dropTask("one-" + i);
                two.dropTask("two-" + i);
            }
            one.awaitEnded(10, Duration.ofSeconds(30));
            two.awaitEnded(10, Duration.ofSeconds(30));

            assertThat(one.files(one.outbox())).hasSize(10);
            assertThat(two.files(two.outbox())).hasSize(10);
            // one account: the two instances together sent the declared 4 to the primary, not 4 each
            assertThat(sim.callsTo("vendor/primary")).isEqualTo(4);
            assertThat(sim.callsTo("vendor/secondary")).isEqualTo(16);

            RedisClient client = redis.client();
            StringBuilder stored = new StringBuilder();
            for (String key :
                    client.scan("0", new ScanParams().match("*").count(1000)).getResult()) {
                stored.append(key)
                        .append(' ')
                        .append(
                                switch (client.type(key)) {
                                    case "zset" -> client.zrange(key, 0, -1).toString();
                                    case "hash" -> client.hgetAll(key).toString();
                                    case "string" -> client.get(key);
                                    default -> "";
                                })
                        .append('\n');
                assertThat(client.pttl(key)).as("expiry of %s", key).isPositive();
            }
            assertThat(stored.toString())
                    .contains("shared-test:log:model:vendor/primary")
                    .doesNotContain(PROMPT_MARK)
                    .doesNotContain("one-")
                    .doesNotContain("two-");
            String metrics = one.context()
                    .getRegistry()
                    .lookupByNameAndType("metricsRegistry", PrometheusMeterRegistry.class)
                    .scrape();
            assertThat(metrics).contains("rotor_state_degraded 0.0").doesNotContain(PASSWORD);
        }
        String logged = Files.readString(LOG).substring((int) logOffset);
        assertThat(logged).contains("Limit state shared on Redis").doesNotContain(PASSWORD);
    }
}
