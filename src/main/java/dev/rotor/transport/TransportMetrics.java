package dev.rotor.transport;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;

/** Per transport: tasks consumed, completed, dead-lettered, and in flight (taken and not yet ended). */
public final class TransportMetrics {

    private static final Logger LOG = LoggerFactory.getLogger(TransportMetrics.class);
    public static final String TRANSPORT = "rotorTransport";
    private static final String COUNTED = "rotorInFlightCounted";
    private static final String WAITING = "rotorWaitingForModel";

    private final MeterRegistry meters;
    private final Map<String, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> waiting = new ConcurrentHashMap<>();

    public TransportMetrics(MeterRegistry meters) {
        this.meters = meters;
        for (String t : new String[] {"file", "jms", "kafka", "http"}) {
            AtomicInteger n = new AtomicInteger();
            inFlight.put(t, n);
            Gauge.builder("rotor.transport.in.flight", n, AtomicInteger::get).tag("transport", t)
                    .description("Tasks taken from the transport and not yet ended").register(meters);
            AtomicInteger w = new AtomicInteger();
            waiting.put(t, w);
            Gauge.builder("rotor.transport.waiting", w, AtomicInteger::get).tag("transport", t)
                    .description("Tasks in flight that wait for a model to free (a cooldown, a full window, an open breaker)")
                    .register(meters);
            // at zero from the start, so a dashboard's rate() has a series before the first task
            for (String c : new String[] {"rotor.transport.consumed", "rotor.transport.completed",
                    "rotor.transport.dead.lettered", "rotor.transport.parked"}) {
                counter(c, t);
            }
        }
    }

    public void fromFile(Exchange exchange) {
        received(exchange, "file");
    }

    public void fromJms(Exchange exchange) {
        received(exchange, "jms");
    }

    public void fromKafka(Exchange exchange) {
        received(exchange, "kafka");
    }

    public void fromHttp(Exchange exchange) {
        received(exchange, "http");
    }

    /** The task's result or dead letter was sent. */
    public void ended(Exchange exchange, boolean completed) {
        String transport = release(exchange);
        if (transport != null) {
            counter(completed ? "rotor.transport.completed" : "rotor.transport.dead.lettered", transport).increment();
        }
    }

    /** The task went back to its queue to wait there; it counts as consumed again when it comes back. */
    public void parked(Exchange exchange) {
        String transport = release(exchange);
        if (transport != null) {
            counter("rotor.transport.parked", transport).increment();
        }
    }

    /** Nothing could be sent for the task: the transport keeps its input (file left, message rolled back). */
    public void failed(Exchange exchange) {
        String transport = release(exchange);
        if (transport != null) {
            LOG.error("task {} from {} could not be delivered ({}); its input is kept to be taken again",
                    exchange.getProperty("rotorTaskId"), transport, String.valueOf(exchange.getException()));
        }
    }

    public int inFlight(String transport) {
        return inFlight.get(transport).get();
    }

    /** Whether the task now waits for a model to free (true) or has one to call (false). */
    public void waitingForModel(Exchange exchange, boolean now) {
        String transport = exchange.getProperty(TRANSPORT, String.class);
        if (transport == null) {
            return;
        }
        boolean was = exchange.getProperty(WAITING) != null;
        if (now && !was) {
            exchange.setProperty(WAITING, Boolean.TRUE);
            waiting.get(transport).incrementAndGet();
        } else if (!now && was) {
            exchange.removeProperty(WAITING);
            waiting.get(transport).decrementAndGet();
        }
    }

    public int waiting(String transport) {
        return waiting.get(transport).get();
    }

    private void received(Exchange exchange, String transport) {
        exchange.setProperty(TRANSPORT, transport);
        exchange.setProperty(COUNTED, Boolean.TRUE);
        inFlight.get(transport).incrementAndGet();
        counter("rotor.transport.consumed", transport).increment();
    }

    private String release(Exchange exchange) {
        String transport = exchange.getProperty(TRANSPORT, String.class);
        if (transport == null || exchange.removeProperty(COUNTED) == null) {
            return null;
        }
        waitingForModel(exchange, false);
        inFlight.get(transport).decrementAndGet();
        return transport;
    }

    private Counter counter(String name, String transport) {
        return Counter.builder(name).tag("transport", transport).register(meters);
    }
}
