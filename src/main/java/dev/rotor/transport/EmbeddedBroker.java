package dev.rotor.transport;

import dev.rotor.ConfigurationMistake;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import org.apache.activemq.artemis.api.core.QueueConfiguration;
import org.apache.activemq.artemis.api.core.RoutingType;
import org.apache.activemq.artemis.api.core.SimpleString;
import org.apache.activemq.artemis.core.config.Configuration;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.core.settings.impl.AddressSettings;
import org.apache.camel.support.service.ServiceSupport;

/**
 * An ActiveMQ Artemis broker in Rotor's own process, for a quick start with JMS: it listens where rotor.jms.broker-url
 * points and keeps its journal on disk, so queued tasks survive a restart.
 */
public final class EmbeddedBroker extends ServiceSupport {

    private final EmbeddedActiveMQ broker = new EmbeddedActiveMQ();

    /** Where expired tasks go: beside the tasks queue, never dropped. */
    public static String expiryQueue(String tasksQueue) {
        return tasksQueue + ".expired";
    }

    /** Where any other queue's messages go after the broker's delivery attempts, and when they expire. */
    static final String BROKER_DLQ = "DLQ";

    static final String BROKER_EXPIRY = "ExpiryQueue";

    /**
     * @param tasksQueue a task whose delivery keeps rolling back (its result cannot be sent, the process dies on it)
     *     goes, after the broker's delivery attempts, to
     * @param deadLetterQueue the queue of Rotor's own dead letters, not dropped as Artemis does with no dead-letter
     *     address; an expired one goes to {@link #expiryQueue}
     */
    public EmbeddedBroker(String brokerUrl, Path dataDir, String tasksQueue, String deadLetterQueue) throws Exception {
        URI url = URI.create(brokerUrl);
        if (!"tcp".equals(url.getScheme()) || url.getPort() < 0) {
            throw new IllegalArgumentException(
                    "rotor.jms.broker-url must be tcp://host:port for the embedded broker, got " + brokerUrl);
        }
        checkFree(url);
        Configuration config = new ConfigurationImpl()
                .setPersistenceEnabled(true)
                .setSecurityEnabled(false)
                .setJournalDirectory(dataDir.resolve("journal").toString())
                .setBindingsDirectory(dataDir.resolve("bindings").toString())
                .setLargeMessagesDirectory(dataDir.resolve("large-messages").toString())
                .setPagingDirectory(dataDir.resolve("paging").toString())
                .addAcceptorConfiguration("rotor", "tcp://" + url.getHost() + ":" + url.getPort())
                .addQueueConfiguration(anycast(deadLetterQueue))
                .addQueueConfiguration(anycast(expiryQueue(tasksQueue)))
                .addQueueConfiguration(anycast(BROKER_DLQ))
                .addQueueConfiguration(anycast(BROKER_EXPIRY))
                // every other queue (results, the dead-letter queues themselves) as Artemis's own broker.xml has it:
                // nothing dropped, and no warning at start that something could be
                .addAddressSetting(
                        "#",
                        new AddressSettings()
                                .setDeadLetterAddress(SimpleString.of(BROKER_DLQ))
                                .setExpiryAddress(SimpleString.of(BROKER_EXPIRY)))
                .addAddressSetting(
                        tasksQueue,
                        new AddressSettings()
                                .setDeadLetterAddress(SimpleString.of(deadLetterQueue))
                                .setExpiryAddress(SimpleString.of(expiryQueue(tasksQueue))));
        broker.setConfiguration(config);
    }

    private static QueueConfiguration anycast(String queue) {
        return QueueConfiguration.of(queue)
                .setAddress(queue)
                .setRoutingType(RoutingType.ANYCAST)
                .setDurable(true);
    }

    /**
     * Artemis logs an acceptor that cannot bind and starts without it, a broker nobody can reach: so the port is tried
     * while Rotor is configured, where a mistake stops it with one line.
     */
    private static void checkFree(URI url) {
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(url.getHost(), url.getPort()));
        } catch (IOException e) {
            throw new ConfigurationMistake(new IllegalStateException("the embedded JMS broker cannot listen on " + url
                    + " (rotor.jms.broker-url): " + e.getMessage() + "; is another process using that port?"));
        }
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
