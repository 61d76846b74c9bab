package dev.rotor.limits;

/** Told whenever what is known of a scope's limit changes. */
@FunctionalInterface
public interface LimitListener {

    /**
     * @param limit the limit as it is now
     * @param confirmed its window was confirmed (by a header or a rate measurement)
     */
    void changed(LimitView limit, boolean confirmed);
}
