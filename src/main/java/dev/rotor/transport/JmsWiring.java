package dev.rotor.transport;

import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.camel.CamelContext;
import org.apache.camel.component.jms.JmsComponent;
import org.apache.camel.support.service.ServiceSupport;
import org.springframework.jms.connection.CachingConnectionFactory;

/** Points Camel's jms component at the broker (starting the embedded one when asked). */
public final class JmsWiring {

    /**
     * A consumer holds only the message it works on. With Artemis's default window (1 MiB) each consumer buffers
     * hundreds of waiting tasks: competing consumers in other processes go without, and a kill -9 counts a delivery
     * against every buffered message (the broker cannot tell which ones the client saw). In the crash suite's long form
     * 27 of 2,000 tasks, never worked on, reached the broker's delivery attempts within five kills and were dropped. A
     * broker URL that sets consumerWindowSize keeps its own.
     */
    static final int NO_PREFETCH = 0;

    private JmsWiring() {}

    public static void configure(CamelContext context, JmsSettings jms) throws Exception {
        if (jms.embedded()) {
            context.addService(
                    new EmbeddedBroker(jms.brokerUrl(), jms.embeddedDataDir(), jms.tasksQueue(), jms.deadLetterQueue()),
                    true,
                    true);
        }
        ActiveMQConnectionFactory factory = jms.username().isEmpty()
                ? new ActiveMQConnectionFactory(jms.brokerUrl())
                : new ActiveMQConnectionFactory(jms.brokerUrl(), jms.username(), jms.password());
        if (!jms.brokerUrl().contains("consumerWindowSize")) {
            factory.setConsumerWindowSize(NO_PREFETCH);
        }
        // cached sessions for the sends; a transacted consumer's sends join its transaction through the same factory
        CachingConnectionFactory cached = new CachingConnectionFactory(factory);
        cached.setSessionCacheSize(32);
        // a cached consumer would outlive its listener and keep holding the messages it had been given
        cached.setCacheConsumers(false);
        context.getComponent("jms", JmsComponent.class).setConnectionFactory(cached);
        context.addService(
                new ServiceSupport() {
                    @Override
                    protected void doStop() {
                        cached.destroy();
                    }
                },
                true,
                true);
    }
}
