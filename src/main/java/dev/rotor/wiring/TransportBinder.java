package dev.rotor.wiring;

import dev.rotor.RotorSettings;
import dev.rotor.batch.BatchReport;
import dev.rotor.batch.BatchRun;
import dev.rotor.batch.BatchSettings;
import dev.rotor.core.Outcomes;
import dev.rotor.core.OwnCaller;
import dev.rotor.core.Parking;
import dev.rotor.core.TaskIntake;
import dev.rotor.models.ModelRegistry;
import dev.rotor.output.Deliveries;
import dev.rotor.task.TaskParser;
import dev.rotor.transport.InboxFilter;
import dev.rotor.transport.InboxInProgress;
import dev.rotor.transport.Intakes;
import dev.rotor.transport.JmsWiring;
import java.time.Duration;
import java.util.function.IntConsumer;
import org.apache.camel.Processor;

/** Where tasks come from and where their outcomes go: the folders, JMS, Kafka, and a batch run over the inbox. */
final class TransportBinder {

    private TransportBinder() {}

    /** @return where outcomes are delivered, which a batch run asks whether its output refuses them */
    static Deliveries bind(Wiring w, Core core) throws Exception {
        RotorSettings settings = w.settings();
        ModelRegistry models = w.models();
        w.beans().bind("inboxFilter", new InboxFilter(w.clock(), settings.inboxMinAge(), settings.inboxSettle()));
        w.beans().bind("inboxInProgress", new InboxInProgress());
        w.beans().bind("intakes", new Intakes(core.transports()));
        w.beans().bind("ownCaller", new OwnCaller());
        if (settings.uses("jms")) {
            JmsWiring.configure(w.context(), settings.jms());
        }
        Parking parking = new Parking(w.json(), w.clock(), settings.queueMaxHold(), core.traces());
        w.beans().bind("parking", parking);
        TaskParser parser = new TaskParser(
                w.json(), models::hasChain, id -> models.model(id).isPresent());
        w.beans()
                .bind(
                        "taskIntake",
                        new TaskIntake(
                                parser,
                                models,
                                w.clock(),
                                settings.rotation().taskDeadline(),
                                parking,
                                core.estimates(),
                                core.traces()));
        w.beans()
                .bind(
                        "outcomes",
                        new Outcomes(
                                w.json(),
                                w.clock(),
                                w.simulated(),
                                settings.output().toFiles(),
                                core.traces()));
        Deliveries deliveries = new Deliveries(settings.output(), w.clock(), core.meters());
        w.beans().bind("deliveries", deliveries);
        w.beans().bind("onDeliveryRefused", (Processor) deliveries::onRefused);
        return deliveries;
    }

    /** The batch run: it waits for the inbox to empty, prints the table, writes the summary and ends the process. */
    static void bindBatch(Wiring w, Core core, Deliveries deliveries, IntConsumer finishBatch) {
        RotorSettings settings = w.settings();
        BatchSettings batchSettings = new BatchSettings(
                settings.inbox(),
                settings.summaryFile(),
                settings.rotation().taskDeadline().plus(Duration.ofMinutes(1)),
                settings.progressEvery(),
                settings.output().giveUp());
        BatchRun batch = new BatchRun(
                batchSettings,
                core.ledger(),
                wall -> BatchReport.of(
                        core.ledger(),
                        core.metrics(),
                        core.policy(),
                        core.estimates(),
                        w.models().models(),
                        wall,
                        w.clock().instant()),
                deliveries::refusingFor,
                w.json(),
                finishBatch);
        w.beans().bind("batchRun", batch);
        Lifecycle.whenStarted(w.context(), () -> {
            Thread runner = new Thread(batch, "rotor-batch");
            runner.setDaemon(true);
            runner.start();
        });
    }
}
