package dev.rotor.transport;

import dev.rotor.core.ExchangeKeys;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Per transport: tasks consumed, completed, dead-lettered, and in flight (taken and not yet ended). */
public final class TransportMetrics {

    private static final Logger LOG = LoggerFactory.getLogger(TransportMetrics.class);

    private final MeterRegistry meters;
    private final Map<Transport, AtomicInteger> inFlight = new EnumMap<>(Transport.class);
    private final Map<Transport, AtomicInteger> waiting = new EnumMap<>(Transport.class);

    public TransportMetrics(MeterRegistry meters) {
        this.meters = meters;
        for (Transport t : Transport.values()) {
            AtomicInteger n = new AtomicInteger();
            inFlight.put(t, n);
            Gauge.builder("rotor.transport.in.flight", n, AtomicInteger::get)
                    .tag("transport", t.label())
                    .description("Tasks taken from the transport and not yet ended")
                    .register(meters);
            AtomicInteger w = new AtomicInteger();
            waiting.put(t, w);
            Gauge.builder("rotor.transport.waiting", w, AtomicInteger::get)
                    .tag("transport", t.label())
                    .description(
                            "Tasks in flight that wait for a model to free (a cooldown, a full window, an open breaker)")
                    .register(meters);
            // at zero from the start, so a dashboard's rate() has a series before the first task
            for (String c : new String[] {
                "rotor.transport.consumed",
                "rotor.transport.completed",
                "rotor.transport.dead.lettered",
                "rotor.transport.parked"
            }) {
                counter(c, t);
            }
        }
    }

    /** The task's result or dead letter was sent. */
    public void ended(Exchange exchange, boolean completed) {
        Transport transport = release(exchange);
        if (transport != null) {
            counter(completed ? "rotor.transport.completed" : "rotor.transport.dead.lettered", transport)
                    .increment();
        }
    }

    /** The task went back to its queue to wait there; it counts as consumed again when it comes back. */
    public void parked(Exchange exchange) {
        Transport transport = release(exchange);
        if (transport != null) {
            counter("rotor.transport.parked", transport).increment();
        }
    }

    /** Nothing could be sent for the task: the transport keeps its input (file left, message rolled back). */
    public void failed(Exchange exchange) {
        Transport transport = release(exchange);
        if (transport != null) {
            LOG.error(
                    "task {} from {} could not be delivered ({}); its input is kept to be taken again",
                    exchange.getProperty(ExchangeKeys.TASK_ID),
                    transport.label(),
                    String.valueOf(exchange.getException()));
        }
    }

    public int inFlight(String transport) {
        return inFlight.get(Transport.valueOf(transport.toUpperCase(Locale.ROOT)))
                .get();
    }

    /** Whether the task now waits for a model to free (true) or has one to call (false). */
    public void waitingForModel(Exchange exchange, boolean now) {
        Transport transport = exchange.getProperty(ExchangeKeys.TRANSPORT, Transport.class);
        if (transport == null) {
            return;
        }
        boolean was = exchange.getProperty(ExchangeKeys.WAITING_FOR_MODEL) != null;
        if (now && !was) {
            exchange.setProperty(ExchangeKeys.WAITING_FOR_MODEL, Boolean.TRUE);
            waiting.get(transport).incrementAndGet();
        } else if (!now && was) {
            exchange.removeProperty(ExchangeKeys.WAITING_FOR_MODEL);
            waiting.get(transport).decrementAndGet();
        }
    }

    public int waiting(String transport) {
        return waiting.get(Transport.valueOf(transport.toUpperCase(Locale.ROOT)))
                .get();
    }

    /** A task was taken from its transport: it counts as consumed, and in flight until it ends. */
    public void received(Exchange exchange, Transport transport) {
        exchange.setProperty(ExchangeKeys.TRANSPORT, transport);
        exchange.setProperty(ExchangeKeys.IN_FLIGHT_COUNTED, Boolean.TRUE);
        inFlight.get(transport).incrementAndGet();
        counter("rotor.transport.consumed", transport).increment();
    }

    private Transport release(Exchange exchange) {
        Transport transport = exchange.getProperty(ExchangeKeys.TRANSPORT, Transport.class);
        if (transport == null || exchange.removeProperty(ExchangeKeys.IN_FLIGHT_COUNTED) == null) {
            return null;
        }
        waitingForModel(exchange, false);
        inFlight.get(transport).decrementAndGet();
        return transport;
    }

    private Counter counter(String name, Transport transport) {
        return Counter.builder(name).tag("transport", transport.label()).register(meters);
    }
}
