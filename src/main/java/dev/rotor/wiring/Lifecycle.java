package dev.rotor.wiring;

import org.apache.camel.CamelContext;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.SimpleEventNotifierSupport;
import org.apache.camel.support.service.ServiceSupport;

/** What the binders hook onto Camel's start and stop. */
final class Lifecycle {

    private Lifecycle() {}

    /** Runs when Camel stops, after the routes. */
    static void closeOnStop(CamelContext context, Runnable close) throws Exception {
        context.addService(
                new ServiceSupport() {
                    @Override
                    protected void doStop() {
                        close.run();
                    }
                },
                true,
                true);
    }

    /** Runs once the routes run (the management server is up by then). */
    static void whenStarted(CamelContext context, Runnable then) {
        on(context, CamelEvent.CamelContextStartedEvent.class, then);
    }

    /** Runs as Camel begins to stop, before it waits for the exchanges in flight. */
    static void whenStopping(CamelContext context, Runnable then) {
        on(context, CamelEvent.CamelContextStoppingEvent.class, then);
    }

    private static void on(CamelContext context, Class<? extends CamelEvent> type, Runnable then) {
        context.getManagementStrategy().addEventNotifier(new SimpleEventNotifierSupport() {
            {
                // only the context's own events: Camel then makes no event object for each step of every exchange
                // on this notifier's account
                setIgnoreExchangeEvents(true);
                setIgnoreRouteEvents(true);
                setIgnoreServiceEvents(true);
                setIgnoreStepEvents(true);
            }

            @Override
            public void notify(CamelEvent event) {
                if (type.isInstance(event)) {
                    then.run();
                }
            }
        });
    }
}
