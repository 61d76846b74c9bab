package dev.rotor.core;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.rotation.Decision;
import dev.rotor.rotation.ProgressSnapshot;
import dev.rotor.rotation.TaskProgress;
import dev.rotor.tracing.Traces;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.apache.camel.Exchange;

/**
 * Sends a task that must wait long back to its queue or topic, and takes it back in: the input as it came, its progress
 * and the time it may go on as message headers. JMS holds it back with a delivery delay (rounded up to whole seconds,
 * so the dynamic endpoints stay few); Kafka has none, so its consumer holds a parked record for at most max-hold before
 * working on it, and parks it again if no model is free by then.
 */
public final class Parking {

    public static final String PROGRESS_HEADER = "rotorProgress";
    public static final String NOT_BEFORE_HEADER = "rotorNotBefore";

    private final Traces traces;
    private final ObjectMapper json;
    private final Clock clock;
    private final Duration maxHold;

    public Parking(ObjectMapper json, Clock clock, Duration maxHold, Traces traces) {
        this.traces = traces;
        this.json = json;
        this.clock = clock;
        this.maxHold = maxHold;
    }

    /** Kafka: a parked record that comes round early waits here, in its consumer, at most max-hold. */
    public void holdIfEarly(Exchange exchange) throws InterruptedException {
        String notBefore = exchange.getIn().getHeader(NOT_BEFORE_HEADER, String.class);
        if (notBefore == null) {
            return;
        }
        long wait = Math.min(Long.parseLong(notBefore.strip()) - clock.millis(), maxHold.toMillis());
        if (wait > 0) {
            Thread.sleep(wait);
        }
    }

    public void prepare(Exchange exchange) throws JsonProcessingException {
        Decision.Park park = exchange.getProperty(ExchangeKeys.DECISION, Decision.Park.class);
        TaskProgress progress = exchange.getProperty(ExchangeKeys.PROGRESS, TaskProgress.class);
        ProgressSnapshot snapshot = progress.snapshot(exchange.getProperty(ExchangeKeys.RECEIVED_AT, Instant.class));
        exchange.getIn().removeHeaders("*");
        exchange.getIn().setBody(exchange.getProperty(ExchangeKeys.RAW_INPUT, byte[].class));
        exchange.getIn().setHeader(PROGRESS_HEADER, json.writeValueAsString(snapshot));
        exchange.getIn()
                .setHeader(
                        NOT_BEFORE_HEADER,
                        Long.toString(clock.millis() + park.delay().toMillis()));
        // taken again, the task's next span continues this trace
        traces.injectTaskContext(exchange);
        long seconds = (park.delay().toMillis() + 999) / 1000;
        exchange.setProperty(ExchangeKeys.PARK_DELAY_MS, Math.max(1, seconds) * 1000);
    }

    /** The progress a parked task carried, if this input is one. */
    public ProgressSnapshot carried(Exchange exchange) throws JsonProcessingException {
        String header = exchange.getIn().getHeader(PROGRESS_HEADER, String.class);
        return header == null ? null : json.readValue(header, ProgressSnapshot.class);
    }
}
