package dev.rotor.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;

import dev.rotor.camel.Json;

class FolderAnswerStoreTest {

    @TempDir
    Path dir;

    @Test
    void shouldKeepAnswersAcrossARestartAndForgetTheOldestPastItsBound() {
        FolderAnswerStore store = new FolderAnswerStore(dir, 3, Json.mapper());
        for (int i = 0; i < 4; i++) {
            store.keep("k" + i, answer("answer " + i));
        }
        assertThat(store.size()).isEqualTo(3);
        assertThat(store.find("k0")).isEmpty();

        FolderAnswerStore restarted = new FolderAnswerStore(dir, 3, Json.mapper());
        assertThat(restarted.size()).isEqualTo(3);
        assertThat(restarted.find("k3")).hasValueSatisfying(a -> {
            assertThat(a.content()).isEqualTo("answer 3");
            assertThat(a.usage().path("prompt_tokens").asInt()).isEqualTo(7);
        });
        assertThat(new FolderAnswerStore(dir, 1, Json.mapper()).size()).as("a smaller bound at start").isEqualTo(1);
    }

    @Test
    void shouldTreatAFileItCannotReadAsAMiss() throws Exception {
        FolderAnswerStore store = new FolderAnswerStore(dir, 10, Json.mapper());
        store.keep("k", answer("whole"));
        Files.writeString(dir.resolve("k.json"), "{\"content\":");
        assertThat(store.find("k")).isEmpty();
        assertThat(store.size()).isZero();
    }

    private static CachedAnswer answer(String content) {
        return new CachedAnswer(content, JsonNodeFactory.instance.objectNode().put("prompt_tokens", 7), "m", "m",
                Instant.parse("2026-12-02T00:00:00Z"));
    }
}
