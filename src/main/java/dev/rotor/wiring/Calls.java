package dev.rotor.wiring;

import dev.rotor.chat.ChatRequestMapper;
import dev.rotor.chat.stream.FirstTokenLimits;
import dev.rotor.gateway.GatewayCall;
import dev.rotor.gateway.StreamOpener;
import java.util.concurrent.ScheduledExecutorService;

/** How a model is called, as the gateway calls it too: the request, the HTTP call, and a stream's opening. */
record Calls(
        ChatRequestMapper requests,
        GatewayCall http,
        StreamOpener opener,
        FirstTokenLimits firstTokens,
        ScheduledExecutorService timer) {}
