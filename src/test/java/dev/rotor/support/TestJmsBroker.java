package dev.rotor.support;

import jakarta.jms.Connection;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.activemq.artemis.core.config.impl.ConfigurationImpl;
import org.apache.activemq.artemis.core.server.embedded.EmbeddedActiveMQ;
import org.apache.activemq.artemis.jms.client.ActiveMQConnectionFactory;

/** A real ActiveMQ Artemis broker on a free loopback port, persistent in a test folder, and a plain JMS client. */
public final class TestJmsBroker implements AutoCloseable {

    /** A message as a test reads it. */
    public record Received(String correlationId, String text, int deliveryCount, String traceparent) {}

    private final EmbeddedActiveMQ broker = new EmbeddedActiveMQ();
    private final String url;
    private Connection connection;

    public TestJmsBroker(Path dataDir) throws Exception {
        url = "tcp://127.0.0.1:" + FreePorts.next();
        broker.setConfiguration(new ConfigurationImpl()
                .setPersistenceEnabled(true)
                .setSecurityEnabled(false)
                .setJournalDirectory(dataDir.resolve("journal").toString())
                .setBindingsDirectory(dataDir.resolve("bindings").toString())
                .setLargeMessagesDirectory(dataDir.resolve("large").toString())
                .setPagingDirectory(dataDir.resolve("paging").toString())
                .addAcceptorConfiguration("test", url));
        broker.start();
        connection = new ActiveMQConnectionFactory(url).createConnection();
        connection.start();
    }

    public String url() {
        return url;
    }

    /** Stops the broker as an outage would take it away; {@link #start} brings it back with its journal. */
    public synchronized void stop() throws Exception {
        connection.close();
        broker.stop();
    }

    public synchronized void start() throws Exception {
        broker.start();
        connection = new ActiveMQConnectionFactory(url).createConnection();
        connection.start();
    }

    /** One message with a string property (a caller's traceparent, say). */
    public void send(String queue, String body, String property, String value) throws JMSException {
        try (Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
            TextMessage message = session.createTextMessage(body);
            message.setStringProperty(property, value);
            session.createProducer(session.createQueue(queue)).send(message);
        }
    }

    public void send(String queue, List<String> bodies) throws JMSException {
        try (Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE)) {
            MessageProducer producer = session.createProducer(session.createQueue(queue));
            for (String body : bodies) {
                producer.send(session.createTextMessage(body));
            }
        }
    }

    /** Takes every message that arrives on the queue until {@code quiet} passes without one. */
    public List<Received> drain(String queue, Duration quiet) throws JMSException {
        List<Received> got = new ArrayList<>();
        try (Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
                MessageConsumer consumer = session.createConsumer(session.createQueue(queue))) {
            Message m;
            while ((m = consumer.receive(quiet.toMillis())) != null) {
                got.add(new Received(
                        m.getJMSCorrelationID(),
                        ((TextMessage) m).getText(),
                        m.getIntProperty("JMSXDeliveryCount"),
                        m.getStringProperty("traceparent")));
            }
        }
        return got;
    }

    /** Takes messages until {@code count} arrived or {@code atMost} passed. */
    public List<Received> take(String queue, int count, Duration atMost) throws JMSException {
        List<Received> got = new ArrayList<>();
        long end = System.nanoTime() + atMost.toNanos();
        try (Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
                MessageConsumer consumer = session.createConsumer(session.createQueue(queue))) {
            while (got.size() < count && System.nanoTime() < end) {
                Message m = consumer.receive(Math.max(1, (end - System.nanoTime()) / 1_000_000));
                if (m != null) {
                    got.add(new Received(
                            m.getJMSCorrelationID(),
                            ((TextMessage) m).getText(),
                            m.getIntProperty("JMSXDeliveryCount"),
                            m.getStringProperty("traceparent")));
                }
            }
        }
        return got;
    }

    /** Messages given to consumers and not yet acknowledged and committed: in their hands or in their buffers. */
    public long delivering(String queue) {
        var q = broker.getActiveMQServer().locateQueue(queue);
        return q == null ? 0 : q.getDeliveringCount();
    }

    /** Consumers, messages and messages out for delivery on a queue, as the broker sees them. */
    public String queueState(String queue) {
        var q = broker.getActiveMQServer().locateQueue(queue);
        return q == null
                ? "no queue"
                : "consumers=" + q.getConsumerCount() + " messages=" + q.getMessageCount() + " delivering="
                        + q.getDeliveringCount();
    }

    @Override
    public void close() throws Exception {
        connection.close();
        broker.stop();
    }
}
