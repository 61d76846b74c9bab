package dev.rotor.output;

import dev.rotor.batch.TaskLedger;
import dev.rotor.core.ExchangeKeys;
import dev.rotor.output.OutputSettings.Destination;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.camel.Exchange;
import org.apache.camel.support.SynchronizationAdapter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Results and dead letters that their output refused (a folder not writable, a broker away). Each stays with its task
 * and Camel's redelivery sends it again with backoff, so the answer a model gave is never paid for twice; the task's
 * input stays where it is until its outcome is out. What fails is said once a minute, without a stack trace.
 */
public final class Deliveries {

    private static final Logger LOG = LoggerFactory.getLogger(Deliveries.class);
    static final Duration WARN_EVERY = Duration.ofMinutes(1);

    private final OutputSettings output;
    private final Clock clock;
    private final Map<Destination, Outage> outages = new ConcurrentHashMap<>();
    private final AtomicInteger undelivered = new AtomicInteger();
    private final Counter refusals;

    public Deliveries(OutputSettings output, Clock clock, MeterRegistry meters) {
        this.output = output;
        this.clock = clock;
        Gauge.builder("rotor.output.undelivered", undelivered, AtomicInteger::get)
                .description("Tasks whose result or dead letter the output refused, held to be sent again")
                .register(meters);
        this.refusals = Counter.builder("rotor.output.refusals")
                .description("Results and dead letters the output refused (each is sent again)")
                .register(meters);
    }

    /** Camel's onExceptionOccurred of the delivery routes: runs after each refused send, before the backoff. */
    public void onRefused(Exchange exchange) {
        refusals.increment();
        if (exchange.getProperty(ExchangeKeys.UNDELIVERED) == null) {
            exchange.setProperty(ExchangeKeys.UNDELIVERED, Boolean.TRUE);
            undelivered.incrementAndGet();
            exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
                @Override
                public void onDone(Exchange done) {
                    undelivered.decrementAndGet();
                }
            });
        }
        Destination destination = destinationOf(exchange);
        Instant now = clock.instant();
        Outage outage = outages.computeIfAbsent(destination, d -> new Outage(now, WARN_EVERY));
        if (!outage.warnNow(now)) {
            return;
        }
        LOG.warn(
                "{} cannot be delivered to {} (refused since {}): {}. {} task(s) keep their outcome and send it again"
                        + " with backoff; no model is called for them again",
                kind(exchange),
                destination,
                outage.since(),
                cause(exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class)),
                undelivered.get());
    }

    /** After a send the output took: ends the outage of its destination, if there was one. */
    public void delivered(Exchange exchange) {
        Destination destination = destinationOf(exchange);
        Outage ended = outages.remove(destination);
        if (ended != null) {
            LOG.info(
                    "{} delivered to {} again, after {} s refused",
                    kind(exchange),
                    destination,
                    Duration.between(ended.since(), clock.instant()).toSeconds());
        }
    }

    /** How long the output has refused outcomes, by its oldest outage still on; empty when it takes them. */
    public Optional<Duration> refusingFor() {
        Instant now = clock.instant();
        return outages.values().stream()
                .map(o -> Duration.between(o.since(), now))
                .max(Duration::compareTo);
    }

    /** Whether this task's outcome was refused by its output at least once and is still held. */
    public static boolean isHeld(Exchange exchange) {
        return exchange.getProperty(ExchangeKeys.UNDELIVERED) != null;
    }

    /** Tasks holding an outcome the output refused. */
    public int undelivered() {
        return undelivered.get();
    }

    private Destination destinationOf(Exchange exchange) {
        return isResult(exchange) ? output.results() : output.deadLetters();
    }

    private static String kind(Exchange exchange) {
        return isResult(exchange) ? "results" : "dead letters";
    }

    private static boolean isResult(Exchange exchange) {
        TaskLedger.Entry entry = exchange.getProperty(ExchangeKeys.LEDGER_ENTRY, TaskLedger.Entry.class);
        return entry != null && entry.completed();
    }

    /** The innermost cause says what is wrong (a folder that is a file, a broker that is gone); no stack trace. */
    private static String cause(Throwable error) {
        if (error == null) {
            return "unknown failure";
        }
        Throwable root = error;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String message =
                root.getMessage() == null ? "" : root.getMessage().strip().replaceAll("\\.+$", "");
        return root.getClass().getSimpleName() + (message.isEmpty() ? "" : ": " + message);
    }
}
