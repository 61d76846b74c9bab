package dev.rotor.gateway;

/** Where a relayed stream's events go. */
interface EventSink {

    /** False when the caller is gone: the relay stops reading from the provider. */
    boolean put(String event);

    /** The caller's stream is complete, whole or with its error event. */
    void end();
}
