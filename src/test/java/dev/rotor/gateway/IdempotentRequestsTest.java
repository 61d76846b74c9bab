package dev.rotor.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.cache.FolderKeptStore;
import dev.rotor.core.Json;
import dev.rotor.support.MutableClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdempotentRequestsTest {

    private static final byte[] BODY = "{\"messages\":[]}".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    private final MutableClock clock = new MutableClock(Instant.parse("2026-12-02T00:00:00Z"));

    @Test
    void shouldLeadThenRefuseWhileInFlightThenReplayUntilTheTimeToLiveEnds() {
        IdempotentRequests requests = new IdempotentRequests(
                new FolderKeptStore(dir, 10, clock), Json.mapper(), Duration.ofHours(24), Duration.ofSeconds(70));
        var lead = (IdempotentRequests.Lead) requests.begin("k", "Bearer a", BODY);
        assertThat(requests.begin("k", "Bearer a", BODY))
                .isInstanceOfSatisfying(
                        IdempotentRequests.Refuse.class,
                        r -> assertThat(r.error().status()).isEqualTo(409));
        assertThat(requests.begin("k", "Bearer b", BODY))
                .as("another caller's key")
                .isInstanceOf(IdempotentRequests.Lead.class);

        requests.finished(lead, 200, Map.of("X-Rotor-Model", "m"), "{\"answer\":1}", false);
        assertThat(requests.begin("k", "Bearer a", BODY))
                .isInstanceOfSatisfying(
                        IdempotentRequests.Replay.class,
                        r -> assertThat(r.kept().body()).isEqualTo("{\"answer\":1}"));
        assertThat(requests.begin("k", "Bearer a", "{}".getBytes(StandardCharsets.UTF_8)))
                .isInstanceOfSatisfying(
                        IdempotentRequests.Refuse.class,
                        r -> assertThat(r.error().status()).isEqualTo(422));

        clock.advance(Duration.ofHours(24));
        assertThat(requests.begin("k", "Bearer a", BODY)).isInstanceOf(IdempotentRequests.Lead.class);
    }

    @Test
    void shouldFreeTheKeyAfterAnErrorAndAfterTheLeaseOfADeadProcess() {
        IdempotentRequests requests = new IdempotentRequests(
                new FolderKeptStore(dir, 10, clock), Json.mapper(), Duration.ofHours(24), Duration.ofSeconds(70));
        var lead = (IdempotentRequests.Lead) requests.begin("k", null, BODY);
        requests.finished(lead, 429, Map.of(), "{\"error\":{}}", false);
        assertThat(requests.begin("k", null, BODY)).isInstanceOf(IdempotentRequests.Lead.class);

        // that lead never finishes, as when its process is killed: the key is held for the lease only
        clock.advance(Duration.ofSeconds(69));
        assertThat(requests.begin("k", null, BODY)).isInstanceOf(IdempotentRequests.Refuse.class);
        clock.advance(Duration.ofSeconds(1));
        assertThat(requests.begin("k", null, BODY)).isInstanceOf(IdempotentRequests.Lead.class);
    }
}
