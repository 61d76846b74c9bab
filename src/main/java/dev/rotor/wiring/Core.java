package dev.rotor.wiring;

import dev.rotor.batch.TaskLedger;
import dev.rotor.limits.InputEstimates;
import dev.rotor.limits.LimitState;
import dev.rotor.metrics.RotorMetrics;
import dev.rotor.rotation.RotationPolicy;
import dev.rotor.tracing.Traces;
import dev.rotor.transport.TransportMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

/** The parts every path through Rotor shares: the limits, the rotation policy, and what records what happens. */
record Core(
        LimitState limits,
        InputEstimates estimates,
        RotationPolicy policy,
        PrometheusMeterRegistry meters,
        RotorMetrics metrics,
        TransportMetrics transports,
        TaskLedger ledger,
        Traces traces) {}
