package dev.rotor.bench;

import dev.rotor.core.TaskIntake;
import dev.rotor.transport.Intakes;
import java.nio.charset.StandardCharsets;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.support.DefaultExchange;

/**
 * Hands tasks to a running Rotor as its intakes do: the intake step, then the rotation core, on the caller's thread.
 */
final class RotorCore {

    private final CamelContext context;
    private final Intakes intakes;
    private final TaskIntake intake;
    private final ProducerTemplate template;

    RotorCore(CamelContext context) {
        this.context = context;
        this.intakes = context.getRegistry().lookupByNameAndType("intakes", Intakes.class);
        this.intake = context.getRegistry().lookupByNameAndType("taskIntake", TaskIntake.class);
        this.template = context.createProducerTemplate();
    }

    /** The exchange once the task has ended, with its result or dead letter as the body. */
    Exchange complete(String taskJson) throws Exception {
        Exchange exchange = new DefaultExchange(context);
        exchange.getIn().setBody(taskJson.getBytes(StandardCharsets.UTF_8));
        // as the file intake: its transport counted, its outcome to the output
        intakes.fromFile(exchange);
        intake.accept(exchange);
        template.send("direct:complete", exchange);
        return exchange;
    }
}
