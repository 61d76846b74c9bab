package dev.rotor.camel;

import java.time.Instant;

import org.apache.camel.Exchange;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

import dev.rotor.rotation.Decision;
import dev.rotor.rotation.ProgressSnapshot;
import dev.rotor.rotation.TaskProgress;

/**
 * Prepares a task that must wait long to go back to its queue: the input as it came, its progress as a message
 * property, and the delivery delay rounded up to whole seconds (so the dynamic endpoints stay few).
 */
public final class Parking {

    public static final String PROGRESS_HEADER = "rotorProgress";
    static final String DELAY_MS = "rotorParkDelayMs";

    private final ObjectMapper json;

    public Parking(ObjectMapper json) {
        this.json = json;
    }

    public void prepare(Exchange exchange) throws JsonProcessingException {
        Decision.Park park = exchange.getProperty(ExchangeKeys.DECISION, Decision.Park.class);
        TaskProgress progress = exchange.getProperty(ExchangeKeys.PROGRESS, TaskProgress.class);
        ProgressSnapshot snapshot = progress.snapshot(exchange.getProperty(ExchangeKeys.RECEIVED_AT, Instant.class));
        exchange.getIn().removeHeaders("*");
        exchange.getIn().setBody(exchange.getProperty(ExchangeKeys.RAW_INPUT, byte[].class));
        exchange.getIn().setHeader(PROGRESS_HEADER, json.writeValueAsString(snapshot));
        long seconds = (park.delay().toMillis() + 999) / 1000;
        exchange.setProperty(DELAY_MS, Math.max(1, seconds) * 1000);
    }

    /** The progress a parked task carried, if this input is one. */
    public ProgressSnapshot carried(Exchange exchange) throws JsonProcessingException {
        String header = exchange.getIn().getHeader(PROGRESS_HEADER, String.class);
        return header == null ? null : json.readValue(header, ProgressSnapshot.class);
    }
}
