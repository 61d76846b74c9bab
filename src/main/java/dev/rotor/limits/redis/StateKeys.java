package dev.rotor.limits.redis;

/**
 * The Redis keys of the shared limit state, under one prefix. They name scopes, models and providers, never a task
 * or its prompt.
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
