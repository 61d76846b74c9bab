package dev.rotor.core;

import org.apache.camel.Exchange;

/**
 * Where a task's outcome goes, set when the task is taken: the core completes the task and hands its outcome here
 * without knowing the transport. Each is a route: the result's, the dead letter's (the failed outcome), and the one
 * that parks the task back on its queue, if its transport can.
 */
public record ReplyTarget(String completed, String failed, String park) {

    /** Results and dead letters to the output rotor.output names. */
    public static ReplyTarget output(String park) {
        return new ReplyTarget("direct:task-completed", "direct:task-failed", park);
    }

    /** The answer back on the waiting HTTP request. */
    public static final ReplyTarget GATEWAY =
            new ReplyTarget("direct:gateway-completed", "direct:gateway-failed", null);

    /** Sets it on the task's exchange, as the routes read it. */
    public void applyTo(Exchange exchange) {
        exchange.setProperty(ExchangeKeys.REPLY_COMPLETED, completed);
        exchange.setProperty(ExchangeKeys.REPLY_FAILED, failed);
        if (park != null) {
            exchange.setProperty(ExchangeKeys.PARK_ROUTE, park);
        }
    }
}
