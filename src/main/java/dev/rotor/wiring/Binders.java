package dev.rotor.wiring;

import dev.rotor.cache.KeptStore;
import java.util.function.IntConsumer;

/** Wires Rotor together: each binder binds the beans of one part, in the order their parts need each other. */
public final class Binders {

    private Binders() {}

    /** @param finishBatch ends the process with the given exit code when a batch is done */
    public static void bindAll(Wiring w, IntConsumer finishBatch) throws Exception {
        Core core = CoreBinder.bind(w);
        Calls calls = CallsBinder.bind(w, core);
        KeptStore kept = StateBinder.keptAnswers(w, core);
        TransportBinder.bind(w, core, finishBatch);
        if (w.settings().intakes().contains("http")) {
            GatewayBinder.bind(w, core, calls, kept);
        }
        ObservabilityBinder.serve(w, core);
    }
}
