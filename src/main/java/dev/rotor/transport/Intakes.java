package dev.rotor.transport;

import dev.rotor.core.ReplyTarget;
import org.apache.camel.Exchange;

/** A task taken from the inbox, a JMS queue or a Kafka topic: counted on its transport, its outcome to the output. */
public final class Intakes {

    private final TransportMetrics transports;

    public Intakes(TransportMetrics transports) {
        this.transports = transports;
    }

    public void fromFile(Exchange exchange) {
        taken(exchange, Transport.FILE, ReplyTarget.output(null));
    }

    public void fromJms(Exchange exchange) {
        taken(exchange, Transport.JMS, ReplyTarget.output("direct:park-jms"));
    }

    public void fromKafka(Exchange exchange) {
        taken(exchange, Transport.KAFKA, ReplyTarget.output("direct:park-kafka"));
    }

    private void taken(Exchange exchange, Transport transport, ReplyTarget reply) {
        transports.received(exchange, transport);
        reply.applyTo(exchange);
    }
}
