package dev.rotor.wiring;

import dev.rotor.RotorSettings;
import dev.rotor.answers.AnswerChecker;
import dev.rotor.chat.CallHeaders;
import dev.rotor.chat.ChatRequestMapper;
import dev.rotor.chat.ErrorClassifier;
import dev.rotor.chat.stream.FirstTokenLimits;
import dev.rotor.chat.stream.Hedging;
import dev.rotor.chat.stream.StreamStart;
import dev.rotor.core.FailureHandler;
import dev.rotor.core.ModelCaller;
import dev.rotor.gateway.GatewayCall;
import dev.rotor.gateway.GatewaySettings;
import dev.rotor.gateway.StreamHedge;
import dev.rotor.gateway.StreamOpener;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.camel.CamelContext;
import org.apache.camel.Processor;

/** The calls to models: the model caller the routes use, and what handles a call that failed. */
final class CallsBinder {

    private CallsBinder() {}

    static Calls bind(Wiring w, Core core) throws Exception {
        RotorSettings settings = w.settings();
        GatewaySettings gateway = settings.gateway();
        ErrorClassifier classifier = new ErrorClassifier(w.json(), w.clock());
        ScheduledExecutorService timer = streamTimer(w.context());
        ChatRequestMapper requests = new ChatRequestMapper(w.json());
        StreamStart streamStart = new StreamStart(w.json(), classifier, timer);
        CallHeaders callHeaders = new CallHeaders(w.keys()::keyOf, referrerHeaders(settings));
        FirstTokenLimits firstTokens = new FirstTokenLimits(gateway.firstTokenTimeout());
        ExecutorService threads = gatewayThreads(w.context());
        GatewayCall http = new GatewayCall(
                settings.httpConnectTimeout(),
                settings.httpReadTimeout(),
                firstTokens,
                gateway.hedge(),
                w.clock(),
                timer,
                threads);
        StreamOpener opener = new StreamOpener(
                http,
                callHeaders::of,
                classifier,
                streamStart,
                firstTokens,
                core.policy(),
                core.metrics(),
                w.clock(),
                threads);
        Hedging hedging = gateway.hedge()
                ? new StreamHedge(
                        core.policy(),
                        requests,
                        opener,
                        firstTokens,
                        core.metrics(),
                        core.meters(),
                        w.clock(),
                        threads,
                        core.traces())
                : Hedging.OFF;
        w.beans()
                .bind(
                        "modelCaller",
                        new ModelCaller(
                                core.policy(),
                                requests,
                                classifier,
                                callHeaders,
                                core.metrics(),
                                w.clock(),
                                streamStart,
                                firstTokens,
                                hedging,
                                core.transports(),
                                new AnswerChecker(w.json(), settings.answers().acceptTruncated()),
                                settings.answers().checks(),
                                core.traces()));
        FailureHandler failures =
                new FailureHandler(core.policy(), classifier, core.metrics(), settings.queueMaxHold(), core.traces());
        w.beans().bind("failureHandler", failures);
        w.beans().bind("onAttemptFailed", (Processor) failures::onFailure);
        return new Calls(requests, http, opener, firstTokens, timer);
    }

    /**
     * One timer thread for streams' first-token and stall deadlines: each is a close scheduled and mostly cancelled.
     */
    private static ScheduledExecutorService streamTimer(CamelContext context) throws Exception {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "rotor-stream-timer");
            t.setDaemon(true);
            return t;
        });
        Lifecycle.closeOnStop(context, timer::shutdownNow);
        return timer;
    }

    /**
     * Where a gateway request's route goes on once its provider call has ended: a thread per request at a time (a
     * streamed answer's relay holds one while it lasts), none while the request waits.
     */
    private static ExecutorService gatewayThreads(CamelContext context) {
        // Camel's own cached pool, which Camel shuts down when it stops
        return context.getExecutorServiceManager().newCachedThreadPool(GatewayCall.class, "rotor-gateway");
    }

    private static Map<String, String> referrerHeaders(RotorSettings settings) {
        Map<String, String> headers = new LinkedHashMap<>();
        if (!settings.referer().isBlank()) {
            headers.put("HTTP-Referer", settings.referer());
        }
        if (!settings.title().isBlank()) {
            headers.put("X-Title", settings.title());
        }
        return headers;
    }
}
