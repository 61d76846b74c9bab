package dev.rotor.wiring;

import dev.rotor.cache.KeptStore;
import dev.rotor.output.Deliveries;
import java.util.function.IntConsumer;

/** Wires Rotor together: each binder binds the beans of one part, in the order the parts need each other. */
public final class Binders {

    private Binders() {}

    /** @param finishBatch ends the process with the given exit code when a batch is done */
    public static void bindAll(Wiring w, IntConsumer finishBatch) throws Exception {
        Core core = CoreBinder.bind(w);
        Calls calls = CallsBinder.bind(w, core);
        KeptStore idempotencyStore = StateBinder.bindResultCache(w, core);
        Deliveries deliveries = TransportBinder.bind(w, core);
        if (w.settings().intakes().contains("http")) {
            GatewayBinder.bind(w, core, calls, idempotencyStore);
        }
        ObservabilityBinder.serve(w, core);
        // last, so that its thread starts once the gateway and the status page are served
        if (w.settings().batch()) {
            TransportBinder.bindBatch(w, core, deliveries, finishBatch);
        }
    }
}
