package dev.rotor.transport;

import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;
import org.apache.camel.CamelContext;
import org.apache.camel.component.jms.JmsComponent;
import org.apache.camel.support.service.ServiceSupport;
import org.springframework.jms.connection.CachingConnectionFactory;

/** Points Camel's jms component at the broker (starting the embedded one when asked). */
public final class JmsWiring {

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
