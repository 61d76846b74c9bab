package dev.rotor;

import dev.rotor.wiring.Binders;
import dev.rotor.wiring.Wiring;
import java.util.function.IntConsumer;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;

/** Binds the rotor.* settings into the beans the YAML routes call; the binders in dev.rotor.wiring do the work. */
public final class RotorConfiguration implements CamelConfiguration {

    /** Bind a Clock under this name before start to give Rotor another time source. */
    public static final String CLOCK_BEAN = "rotorClock";

    private final IntConsumer finishBatch;

    /** @param finishBatch ends the process with the given exit code when a batch is done */
    public RotorConfiguration(IntConsumer finishBatch) {
        this.finishBatch = finishBatch;
    }

    @Override
    public void configure(CamelContext context) throws Exception {
        Binders.bindAll(Wiring.prepare(context, CLOCK_BEAN), finishBatch);
    }
}
