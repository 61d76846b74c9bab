package dev.rotor.wiring;

import dev.rotor.ConfigurationMistake;
import dev.rotor.RotorSettings;
import dev.rotor.cache.KeptStore;
import dev.rotor.gateway.ChatCompletionsHandler;
import dev.rotor.gateway.GatewayAnswers;
import dev.rotor.gateway.GatewayIntake;
import dev.rotor.gateway.GatewayServer;
import dev.rotor.gateway.GatewaySettings;
import dev.rotor.gateway.IdempotentRequests;
import dev.rotor.gateway.ModelChoice;
import dev.rotor.gateway.ModelList;
import dev.rotor.gateway.StreamRelays;
import dev.rotor.gateway.StreamRescue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The OpenAI-compatible gateway (with {@code http} in rotor.intake): its server, its beans, its idempotency keys. */
final class GatewayBinder {

    private static final Logger LOG = LoggerFactory.getLogger(GatewayBinder.class);

    private GatewayBinder() {}

    /** @param idempotencyStore where the idempotency keys are held, with the cache's answers */
    static void bind(Wiring w, Core core, Calls calls, KeptStore idempotencyStore) throws Exception {
        GatewaySettings gateway = w.settings().gateway();
        refuseOpenWithoutKeys(gateway);
        StreamRelays relays = new StreamRelays(
                w.json(),
                w.clock(),
                calls.timer(),
                gateway.stallTimeout(),
                core.policy(),
                core.metrics(),
                core.meters());
        // a stream still relayed when Rotor stops ends with an error event at once, not after Camel's timeout
        Lifecycle.whenStopping(w.context(), relays::stop);
        StreamRescue rescue = new StreamRescue(
                gateway.resume(),
                core.policy(),
                calls.requests(),
                calls.opener(),
                calls.firstTokens(),
                core.metrics(),
                core.meters(),
                core.traces());
        w.beans().bind("gatewayAnswers", new GatewayAnswers(w.json(), w.clock(), relays, rescue));
        w.beans()
                .bind(
                        "gatewayIntake",
                        new GatewayIntake(
                                gateway,
                                new ModelChoice(w.models()),
                                core.transports(),
                                w.json(),
                                w.clock(),
                                core.estimates(),
                                calls.http(),
                                core.traces()));
        // a request being answered holds its key for as long as it may take, and a margin for the answer to go out
        IdempotentRequests idempotency = new IdempotentRequests(
                idempotencyStore,
                w.json(),
                gateway.idempotencyTtl(),
                gateway.deadline().plusSeconds(10));
        ChatCompletionsHandler chat = new ChatCompletionsHandler(gateway, w.json(), idempotency, core.metrics());
        GatewayServer server = new GatewayServer(gateway, w.json(), new ModelList(w.models(), w.json()), core.meters());
        Lifecycle.closeOnStop(w.context(), server::close);
        listen(server, gateway);
        Lifecycle.whenStarted(w.context(), () -> {
            try {
                chat.attach(server, w.context(), calls.http());
            } catch (Exception e) {
                throw new IllegalStateException("the gateway could not be served", e);
            }
            server.ready();
        });
    }

    /** Bound now, so that a port in use stops Rotor at start with one line; it answers 503 until the routes run. */
    private static void listen(GatewayServer server, GatewaySettings gateway) {
        try {
            server.listen();
        } catch (Exception e) {
            throw new ConfigurationMistake(new IllegalArgumentException("the gateway cannot listen on "
                    + gateway.host() + ":" + gateway.port() + " (rotor.gateway.host, rotor.gateway.port): "
                    + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage())));
        }
    }

    /** Refuses to serve beyond this machine with no keys unless told to. */
    private static void refuseOpenWithoutKeys(GatewaySettings gateway) {
        if (!gateway.loopbackOnly() && gateway.keys().isEmpty() && !gateway.allowOpen()) {
            throw new ConfigurationMistake(new IllegalArgumentException("rotor.gateway.host is " + gateway.host()
                    + ", reachable from other machines, and no gateway keys are set: set " + RotorSettings.GATEWAY_KEYS
                    + " (a comma list) or, to serve anyone who can reach it, rotor.gateway.allow-open=true"));
        }
        if (gateway.keys().isEmpty()) {
            LOG.warn(
                    "Gateway on {}:{} takes requests without a key ({} not set)",
                    gateway.host(),
                    gateway.port(),
                    RotorSettings.GATEWAY_KEYS);
        } else {
            LOG.info(
                    "Gateway on {}:{} takes requests with one of {} key(s)",
                    gateway.host(),
                    gateway.port(),
                    gateway.keys().size());
        }
    }
}
