package dev.rotor.transport;

import java.net.URI;
import java.nio.file.Path;

import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.camel.support.service.ServiceSupport;

/**
 * An ActiveMQ Artemis broker in Rotor's own process, for a quick start with JMS: it listens where
 * rotor.jms.broker-url points and keeps its journal on disk, so queued tasks survive a restart.
 */
public final class EmbeddedBroker extends ServiceSupport {

    private final EmbeddedActiveMQ broker = new EmbeddedActiveMQ();

    public EmbeddedBroker(String brokerUrl, Path dataDir) throws Exception {
        URI url = URI.create(brokerUrl);
        if (!"tcp".equals(url.getScheme()) || url.getPort() < 0) {
            throw new IllegalArgumentException("rotor.jms.broker-url must be tcp://host:port for the embedded broker, got "
                    + brokerUrl);
        }
        Configuration config = new ConfigurationImpl()
                .setPersistenceEnabled(true)
                .setSecurityEnabled(false)
                .setJournalDirectory(dataDir.resolve("journal").toString())
                .setBindingsDirectory(dataDir.resolve("bindings").toString())
                .setLargeMessagesDirectory(dataDir.resolve("large-messages").toString())
                .setPagingDirectory(dataDir.resolve("paging").toString())
                .addAcceptorConfiguration("rotor", "tcp://" + url.getHost() + ":" + url.getPort());
        broker.setConfiguration(config);
    }

    @Override
    protected void doStart() throws Exception {
        broker.start();
    }

    @Override
    protected void doStop() throws Exception {
        broker.stop();
    }
}
