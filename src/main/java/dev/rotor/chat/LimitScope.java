package dev.rotor.chat;

/** Who a 429 applies to. */
public enum LimitScope {
    /** Only the model that answered (an upstream provider's own limit). */
    MODEL,
    /** A pool the provider named, such as OpenRouter's free-models-per-min: every ":free" model of the provider. */
    PROVIDER_FREE_POOL,
    /** Not said by the response: the model's declared limit-group if it has one, else the model. */
    UNSPECIFIED
}
