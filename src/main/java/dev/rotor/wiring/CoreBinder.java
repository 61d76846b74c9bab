package dev.rotor.wiring;

import dev.rotor.RotorSettings;
import dev.rotor.batch.TaskLedger;
import dev.rotor.check.Preflight;
import dev.rotor.limits.InputEstimates;
import dev.rotor.limits.LimitState;
import dev.rotor.metrics.RotorMetrics;
import dev.rotor.models.ModelRegistry;
import dev.rotor.rotation.RotationPolicy;
import dev.rotor.transport.TransportMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;

/** The rotation policy over the limit state, and the metrics and ledger that follow every task. */
final class CoreBinder {

    private CoreBinder() {}

    static Core bind(Wiring w) throws Exception {
        RotorSettings settings = w.settings();
        ModelRegistry models = w.models();
        DoubleSupplier random = () -> ThreadLocalRandom.current().nextDouble();
        LimitState limits = StateBinder.limits(w, random);
        InputEstimates estimates = new InputEstimates();
        w.beans().bind("inputEstimates", estimates);
        w.beans().bind("modelRegistry", models);
        RotationPolicy policy = new RotationPolicy(models, settings.rotation(), limits, w.clock(), random, estimates);
        if (settings.checkAtStart()) {
            new Preflight(w.json(), Duration.ofSeconds(5), w.keys()::keyOf)
                    .atStart(models, w.simulated(), limits::leaveRotation);
        }
        PrometheusMeterRegistry meters = ObservabilityBinder.meters(w.beans());
        StateBinder.degradedGauge(meters, limits);
        RotorMetrics metrics = new RotorMetrics(meters, policy, models.models(), w.clock());
        metrics.chainGauges(policy, models.chains(), models.models());
        models.models().forEach(m -> metrics.tokenGauges(limits, estimates, m, w.clock()));
        metrics.budgetGauges(limits, w.clock());
        TransportMetrics transports = new TransportMetrics(meters);
        TaskLedger ledger = new TaskLedger(metrics, transports);
        w.beans().bind("taskLedger", ledger);
        w.beans().bind("transports", transports);
        return new Core(limits, estimates, policy, meters, metrics, transports, ledger, ObservabilityBinder.traces(w));
    }
}
