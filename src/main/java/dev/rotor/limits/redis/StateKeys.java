package dev.rotor.limits.redis;

/**
 * The Redis keys of the shared limit state, under one prefix. They name scopes, models and providers, never a task or
 * its prompt.
 */
record StateKeys(String prefix) {

    String cooldown(String scope) {
        return prefix + "cool:" + scope;
    }

    String log(String scope) {
        return prefix + "log:" + scope;
    }

    String limit(String scope) {
        return prefix + "limit:" + scope;
    }

    /** The levels of a scope's token buckets, and when each was last reckoned. */
    String tokens(String scope) {
        return prefix + "tokens:" + scope;
    }

    /** What calls of a budget's scope cost in the window that began at {@code windowStartMs}. */
    String spent(String scope, String window, long windowStartMs) {
        return prefix + "spent:" + scope + ":" + window + ":" + windowStartMs;
    }

    /** The worst cases the calls on their way hold of a scope's budgets, by call. */
    String held(String scope) {
        return prefix + "held:" + scope;
    }

    String gone(String model) {
        return prefix + "gone:" + model;
    }

    String refused(String provider) {
        return prefix + "refused:" + provider;
    }

    /** The channel on which each process tells the others how its calls ended. */
    String calls() {
        return prefix + "calls";
    }
}
