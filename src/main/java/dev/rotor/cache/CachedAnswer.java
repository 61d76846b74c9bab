package dev.rotor.cache;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;

/**
 * An answer kept for the tasks that ask the same again: its content and usage as the provider gave them, the model of
 * models.yaml it was asked of and the name the provider answered under, and when it was kept.
 */
public record CachedAnswer(String content, JsonNode usage, String model, String answeringModel, Instant storedAt) {}
