package dev.rotor.settings;

import static dev.rotor.settings.Setting.choice;
import static dev.rotor.settings.Setting.of;

import java.util.List;

/** Where tasks come from and where their outcomes go: folders, JMS, Kafka, and batch runs over the inbox. */
public final class TransportKeys {

    public static final Setting INTAKE = of(
            "rotor.intake",
            Kind.TEXT,
            "file",
            "where tasks come from: `file`, `jms`, `kafka`, `http` (the gateway), or a comma list of them");
    public static final Setting OUTPUT =
            choice("rotor.output", "file", "where results and dead letters go", "file", "jms", "kafka");
    public static final Setting INBOX_DIR =
            of("rotor.inbox.dir", Kind.PATH, "work/inbox", "folder of task files (`*.json`)");
    public static final Setting INBOX_KEEP = of(
            "rotor.inbox.keep",
            Kind.FLAG,
            "false",
            "leave task files in place instead of moving them to `<inbox>/.done` (a replay completes from the journal)");
    public static final Setting INBOX_MIN_AGE = of(
            "rotor.inbox.min-age",
            Kind.DURATION,
            "1s",
            "a file is taken once it is this old; `0` when producers rename files into the inbox");
    public static final Setting INBOX_SETTLE = of(
            "rotor.inbox.settle",
            Kind.DURATION,
            "30s",
            "a file that does not read as JSON is dead-lettered only once it has stayed unchanged this long");
    public static final Setting OUTBOX_DIR = of("rotor.outbox.dir", Kind.PATH, "work/outbox", "results, `<id>.json`");
    public static final Setting FAILED_DIR =
            of("rotor.failed.dir", Kind.PATH, "work/failed", "dead letters, `<id>.json`");
    public static final Setting OUTPUT_GIVE_UP = of(
            "rotor.output.give-up",
            Kind.DURATION,
            "5m",
            "batch mode: an output that refuses every outcome this long ends the run with exit 1, its tasks left in place");
    public static final Setting BATCH = of(
            "rotor.batch",
            Kind.FLAG,
            "false",
            "work through what is in the inbox, print the table, write the summary and exit (1 if a task failed)");
    public static final Setting BATCH_SUMMARY_FILE = of(
            "rotor.batch.summary-file",
            Kind.PATH,
            "work/run-summary.json",
            "a batch's summary: counts, rotations, per-model figures, per-task lines, wall time");
    public static final Setting BATCH_PROGRESS_EVERY = of(
            "rotor.batch.progress-every",
            Kind.TEXT,
            "auto",
            "a batch of more than 10 tasks prints a progress line this often (a duration); `auto`: every 2 s on a "
                    + "terminal, every 30 s otherwise");
    public static final Setting QUEUE_MAX_HOLD = of(
            "rotor.queue.max-hold",
            Kind.DURATION,
            "5s",
            "the longest a JMS or Kafka consumer waits in place for a model; a longer wait parks the task");
    public static final Setting JMS_BROKER_URL =
            of("rotor.jms.broker-url", Kind.TEXT, "tcp://localhost:61616", "the JMS broker (ActiveMQ Artemis)");
    public static final Setting JMS_USERNAME =
            of("rotor.jms.username", Kind.TEXT, "", "the broker's user, when it needs one");
    public static final Setting JMS_PASSWORD =
            of("rotor.jms.password", Kind.SECRET, "", "the broker's password: set it as `ROTOR_JMS_PASSWORD`");
    public static final Setting JMS_EMBEDDED = of(
            "rotor.jms.embedded",
            Kind.FLAG,
            "false",
            "start an Artemis broker inside Rotor, listening at `rotor.jms.broker-url`");
    public static final Setting JMS_EMBEDDED_DATA_DIR =
            of("rotor.jms.embedded-data-dir", Kind.PATH, "work/artemis", "the embedded broker's journal");
    public static final Setting JMS_TASKS_QUEUE = of("rotor.jms.tasks-queue", Kind.TEXT, "rotor.tasks", "tasks");
    public static final Setting JMS_RESULTS_QUEUE =
            of("rotor.jms.results-queue", Kind.TEXT, "rotor.results", "results (with `rotor.output=jms`)");
    public static final Setting JMS_DEAD_LETTER_QUEUE =
            of("rotor.jms.dead-letter-queue", Kind.TEXT, "rotor.tasks.DLQ", "dead letters (with `rotor.output=jms`)");
    public static final Setting JMS_CONSUMERS = of(
            "rotor.jms.concurrent-consumers",
            Kind.COUNT,
            "8",
            "JMS consumers, each working on one task in its own transaction");
    public static final Setting KAFKA_BROKERS =
            of("rotor.kafka.brokers", Kind.TEXT, "localhost:9092", "the Kafka bootstrap servers");
    public static final Setting KAFKA_TASKS_TOPIC = of("rotor.kafka.tasks-topic", Kind.TEXT, "rotor-tasks", "tasks");
    public static final Setting KAFKA_RESULTS_TOPIC =
            of("rotor.kafka.results-topic", Kind.TEXT, "rotor-results", "results (with `rotor.output=kafka`)");
    public static final Setting KAFKA_DEAD_LETTER_TOPIC =
            of("rotor.kafka.dead-letter-topic", Kind.TEXT, "rotor-dlq", "dead letters (with `rotor.output=kafka`)");
    public static final Setting KAFKA_GROUP = of(
            "rotor.kafka.group",
            Kind.TEXT,
            "rotor",
            "the consumer group: instances with the same group share the partitions");
    public static final Setting KAFKA_CONSUMERS = of(
            "rotor.kafka.consumers",
            Kind.COUNT,
            "8",
            "consumer threads, one task at a time each; at most the tasks topic's partitions are busy");
    public static final Setting KAFKA_MAX_POLL_RECORDS = of(
            "rotor.kafka.max-poll-records",
            Kind.COUNT,
            "1",
            "records per poll, committed together: a crash brings back at most that many per consumer (1: the"
                    + " one in hand); more help only where models answer within milliseconds");

    public static final SettingsGroup GROUP = new SettingsGroup(
            "Transports",
            List.of(
                    INTAKE,
                    OUTPUT,
                    INBOX_DIR,
                    INBOX_KEEP,
                    INBOX_MIN_AGE,
                    INBOX_SETTLE,
                    OUTBOX_DIR,
                    FAILED_DIR,
                    OUTPUT_GIVE_UP,
                    BATCH,
                    BATCH_SUMMARY_FILE,
                    BATCH_PROGRESS_EVERY,
                    QUEUE_MAX_HOLD,
                    JMS_BROKER_URL,
                    JMS_USERNAME,
                    JMS_PASSWORD,
                    JMS_EMBEDDED,
                    JMS_EMBEDDED_DATA_DIR,
                    JMS_TASKS_QUEUE,
                    JMS_RESULTS_QUEUE,
                    JMS_DEAD_LETTER_QUEUE,
                    JMS_CONSUMERS,
                    KAFKA_BROKERS,
                    KAFKA_TASKS_TOPIC,
                    KAFKA_RESULTS_TOPIC,
                    KAFKA_DEAD_LETTER_TOPIC,
                    KAFKA_GROUP,
                    KAFKA_CONSUMERS,
                    KAFKA_MAX_POLL_RECORDS));

    private TransportKeys() {}
}
