package dev.rotor;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.answers.AnswerChecker;
import dev.rotor.batch.BatchReport;
import dev.rotor.batch.BatchRun;
import dev.rotor.batch.BatchSettings;
import dev.rotor.batch.TaskLedger;
import dev.rotor.cache.CacheKeys;
import dev.rotor.cache.CacheSettings;
import dev.rotor.cache.FolderKeptStore;
import dev.rotor.cache.JournalFile;
import dev.rotor.cache.KeptStore;
import dev.rotor.cache.RedisKeptStore;
import dev.rotor.cache.ResultCache;
import dev.rotor.chat.CallHeaders;
import dev.rotor.chat.ChatRequestMapper;
import dev.rotor.chat.ErrorClassifier;
import dev.rotor.chat.stream.FirstTokenLimits;
import dev.rotor.chat.stream.Hedging;
import dev.rotor.chat.stream.StreamStart;
import dev.rotor.check.CheckFinished;
import dev.rotor.check.Preflight;
import dev.rotor.core.ApiKeys;
import dev.rotor.core.FailureHandler;
import dev.rotor.core.Json;
import dev.rotor.core.ModelCaller;
import dev.rotor.core.ModelsHealthCheck;
import dev.rotor.core.Outcomes;
import dev.rotor.core.OwnCaller;
import dev.rotor.core.Parking;
import dev.rotor.core.TaskIntake;
import dev.rotor.gateway.ChatCompletionsHandler;
import dev.rotor.gateway.GatewayAnswers;
import dev.rotor.gateway.GatewayCall;
import dev.rotor.gateway.GatewayIntake;
import dev.rotor.gateway.GatewayServer;
import dev.rotor.gateway.GatewaySettings;
import dev.rotor.gateway.IdempotentRequests;
import dev.rotor.gateway.ModelChoice;
import dev.rotor.gateway.ModelList;
import dev.rotor.gateway.StreamHedge;
import dev.rotor.gateway.StreamOpener;
import dev.rotor.gateway.StreamRelays;
import dev.rotor.gateway.StreamRescue;
import dev.rotor.limits.InMemoryLimitState;
import dev.rotor.limits.InputEstimates;
import dev.rotor.limits.LimitState;
import dev.rotor.limits.StateSettings;
import dev.rotor.limits.redis.RedisEndpoint;
import dev.rotor.limits.redis.RedisLimitState;
import dev.rotor.metrics.RotorMetrics;
import dev.rotor.models.BudgetCheck;
import dev.rotor.models.InvalidModelsException;
import dev.rotor.models.ModelRegistry;
import dev.rotor.models.ModelRegistryLoader;
import dev.rotor.models.Provider;
import dev.rotor.output.Deliveries;
import dev.rotor.output.OutputFolders;
import dev.rotor.rotation.Backoff;
import dev.rotor.rotation.RotationPolicy;
import dev.rotor.simulator.EmbeddedSimulator;
import dev.rotor.status.ManagementHost;
import dev.rotor.status.StatusPage;
import dev.rotor.status.StatusReport;
import dev.rotor.task.TaskParser;
import dev.rotor.tracing.Traces;
import dev.rotor.tracing.TracingSdk;
import dev.rotor.transport.InboxFilter;
import dev.rotor.transport.Intakes;
import dev.rotor.transport.JmsWiring;
import dev.rotor.transport.TransportMetrics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import java.util.function.Function;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.Processor;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.health.HealthCheckRegistry;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.spi.Registry;
import org.apache.camel.support.SimpleEventNotifierSupport;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Binds the rotor.* settings into the beans the YAML routes call. The only place that wires Rotor together. */
public final class RotorConfiguration implements CamelConfiguration {

    private static final Logger LOG = LoggerFactory.getLogger(RotorConfiguration.class);
    /** Bind a {@link Clock} under this name before start to give Rotor another time source. */
    public static final String CLOCK_BEAN = "rotorClock";

    private final IntConsumer finishBatch;

    /** @param finishBatch ends the process with the given exit code when a batch is done */
    public RotorConfiguration(IntConsumer finishBatch) {
        this.finishBatch = finishBatch;
    }

    @Override
    public void configure(CamelContext context) throws Exception {
        Function<String, Optional<String>> property = context.getPropertiesComponent()::resolveProperty;
        Function<String, Optional<String>> secrets = ApiKeys.untracked(context.getPropertiesComponent());
        RotorSettings settings;
        ModelRegistry declared;
        try {
            settings = RotorSettings.from(property, secrets);
            declared = ModelRegistryLoader.load(settings.modelsFile());
            BudgetCheck.requirePrices(declared, settings.budget());
            checkFolders(settings);
        } catch (IllegalArgumentException | InvalidModelsException mistake) {
            throw new ConfigurationMistake(mistake);
        }
        Registry beans = context.getRegistry();
        ObjectMapper json = Json.mapper();
        Clock clock = Optional.ofNullable(beans.lookupByNameAndType(CLOCK_BEAN, Clock.class))
                .orElse(Clock.systemUTC());
        ApiKeys keys = new ApiKeys(secrets);

        Set<String> simulated = simulatedProviders(declared, keys, settings);
        ModelRegistry models =
                simulated.isEmpty() ? declared : pointAtSimulator(context, declared, simulated, settings);
        if (settings.check()) {
            boolean fine = new Preflight(json, Duration.ofSeconds(5), keys::keyOf)
                    .run(models, simulated, settings.modelsFile().toString(), System.out);
            throw new CheckFinished(fine ? 0 : 1);
        }

        DoubleSupplier random = () -> ThreadLocalRandom.current().nextDouble();
        Backoff backoff = settings.rotation().backoff();
        InMemoryLimitState own = new InMemoryLimitState(
                models, settings.limits(), n -> backoff.delay(n, random.getAsDouble()), settings.budget());
        LimitState limits = limitState(context, own, models, clock, settings.state());
        InputEstimates estimates = new InputEstimates();
        beans.bind("inputEstimates", estimates);
        beans.bind("modelRegistry", models);
        RotationPolicy policy = new RotationPolicy(models, settings.rotation(), limits, clock, random, estimates);
        if (settings.checkAtStart()) {
            new Preflight(json, Duration.ofSeconds(5), keys::keyOf).atStart(models, simulated, limits::leaveRotation);
        }
        PrometheusMeterRegistry meters = prometheusRegistry(beans);
        Gauge.builder("rotor.state.degraded", limits, l -> l.degraded() ? 1 : 0)
                .description(
                        "1 while the shared limit state on Redis is out of reach and this process paces on its own view")
                .register(meters);
        RotorMetrics metrics = new RotorMetrics(meters, policy, models.models(), clock);
        metrics.chainGauges(policy, models.chains(), models.models());
        models.models().forEach(m -> metrics.tokenGauges(limits, estimates, m, clock));
        metrics.budgetGauges(limits, clock);
        ErrorClassifier classifier = new ErrorClassifier(json, clock);
        TransportMetrics transports = new TransportMetrics(meters);
        TaskLedger ledger = new TaskLedger(metrics, transports);

        Traces traces = settings.tracing().enabled() ? TracingSdk.start(context, settings.tracing()) : Traces.OFF;
        beans.bind("taskLedger", ledger);
        beans.bind("inboxFilter", new InboxFilter(clock, settings.inboxMinAge(), settings.inboxSettle()));
        beans.bind("transports", transports);
        beans.bind("intakes", new Intakes(transports));
        beans.bind("ownCaller", new OwnCaller());
        if (settings.uses("jms")) {
            JmsWiring.configure(context, settings.jms());
        }
        Parking parking = new Parking(json, clock, settings.queueMaxHold(), traces);
        beans.bind("parking", parking);
        beans.bind(
                "taskIntake",
                new TaskIntake(
                        new TaskParser(
                                json, models::hasChain, id -> models.model(id).isPresent()),
                        models,
                        clock,
                        settings.rotation().taskDeadline(),
                        parking,
                        estimates,
                        traces));
        ScheduledExecutorService timer = streamTimer(context);
        GatewaySettings gateway = settings.gateway();
        ChatRequestMapper requests = new ChatRequestMapper(json);
        StreamStart streamStart = new StreamStart(json, classifier, timer);
        CallHeaders callHeaders = new CallHeaders(keys::keyOf, referrerHeaders(settings));
        FirstTokenLimits firstTokens = new FirstTokenLimits(gateway.firstTokenTimeout());
        ExecutorService gatewayThreads = gatewayThreads(context);
        GatewayCall gatewayCall = new GatewayCall(
                settings.httpConnectTimeout(),
                settings.httpReadTimeout(),
                firstTokens,
                gateway.hedge(),
                clock,
                timer,
                gatewayThreads);
        StreamOpener opener = new StreamOpener(
                gatewayCall,
                callHeaders::of,
                classifier,
                streamStart,
                firstTokens,
                policy,
                metrics,
                clock,
                gatewayThreads);
        Hedging hedging = gateway.hedge()
                ? new StreamHedge(policy, requests, opener, firstTokens, metrics, meters, clock, gatewayThreads, traces)
                : Hedging.OFF;
        beans.bind(
                "modelCaller",
                new ModelCaller(
                        policy,
                        requests,
                        classifier,
                        callHeaders,
                        metrics,
                        clock,
                        streamStart,
                        firstTokens,
                        hedging,
                        transports,
                        new AnswerChecker(json, settings.answers().acceptTruncated()),
                        settings.answers().checks(),
                        traces));
        FailureHandler failures = new FailureHandler(policy, classifier, metrics, settings.queueMaxHold(), traces);
        beans.bind("failureHandler", failures);
        beans.bind("onAttemptFailed", (Processor) failures::onFailure);
        beans.bind(
                "outcomes",
                new Outcomes(json, clock, simulated, settings.output().toFiles(), traces));
        Stores kept = keptStores(settings, limits, clock);
        // a shared store out of reach says -1: the journal's records are counted all the same
        metrics.cacheGauge(
                () -> Math.max(0, kept.shared().size()) + kept.journal().size());
        CacheSettings cache = settings.cache();
        beans.bind(
                "resultCache",
                new ResultCache(
                        kept.journal(),
                        kept.shared(),
                        new CacheKeys(json),
                        models,
                        new ResultCache.Keeping(cache.on(), cache.ttl(), cache.journal(), cache.journalTtl()),
                        clock,
                        metrics,
                        json));
        Deliveries deliveries = new Deliveries(settings.output(), clock, meters);
        beans.bind("deliveries", deliveries);
        beans.bind("onDeliveryRefused", (Processor) deliveries::onRefused);
        HealthCheckRegistry.get(context).register(new ModelsHealthCheck(policy, models.models()));
        if (settings.intakes().contains("http")) {
            StreamRelays relays = new StreamRelays(json, clock, timer, gateway.stallTimeout(), policy, metrics, meters);
            // a stream still relayed when Rotor stops ends with an error event at once, not after Camel's timeout
            whenStopping(context, relays::stop);
            StreamRescue rescue =
                    new StreamRescue(gateway.resume(), policy, requests, opener, firstTokens, metrics, meters, traces);
            beans.bind("gatewayAnswers", new GatewayAnswers(json, clock, relays, rescue));
            bindGateway(beans, settings.gateway(), models, transports, json, clock, estimates, gatewayCall, traces);
            // a request being answered holds its key for as long as it may take, and a margin for the answer to go out
            IdempotentRequests idempotency = new IdempotentRequests(
                    kept.shared(),
                    json,
                    gateway.idempotencyTtl(),
                    gateway.deadline().plusSeconds(10));
            ChatCompletionsHandler chat = new ChatCompletionsHandler(settings.gateway(), json, idempotency, metrics);
            GatewayServer server = new GatewayServer(gateway, json, new ModelList(models, json), meters);
            closeOnStop(context, server::close);
            // bound now, so that a port in use stops Rotor at start with one line; it answers 503 until the routes run
            try {
                server.listen();
            } catch (Exception e) {
                throw new ConfigurationMistake(new IllegalArgumentException("the gateway cannot listen on "
                        + gateway.host() + ":" + gateway.port() + " (rotor.gateway.host, rotor.gateway.port): "
                        + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage())));
            }
            whenStarted(context, () -> {
                try {
                    chat.attach(server, context, gatewayCall);
                } catch (Exception e) {
                    throw new IllegalStateException("the gateway could not be served", e);
                }
                server.ready();
            });
        }

        ManagementHost.warnIfOpen(property);
        StatusReport status = new StatusReport(
                policy,
                metrics,
                transports,
                settings.intakes().stream().sorted().toList(),
                models.models(),
                meters,
                clock,
                settings.state().store().name().toLowerCase(Locale.ROOT),
                limits::degraded);
        StatusPage page = new StatusPage(status, json);
        whenStarted(context, () -> page.serve(context));

        if (settings.batch()) {
            BatchSettings batchSettings = new BatchSettings(
                    settings.inbox(),
                    settings.summaryFile(),
                    settings.rotation().taskDeadline().plus(Duration.ofMinutes(1)),
                    settings.progressEvery(),
                    settings.output().giveUp());
            BatchRun batch = new BatchRun(
                    batchSettings,
                    ledger,
                    wall -> BatchReport.of(ledger, metrics, policy, estimates, models.models(), wall, clock.instant()),
                    deliveries::refusingFor,
                    json,
                    finishBatch);
            beans.bind("batchRun", batch);
            whenStarted(context, () -> {
                Thread runner = new Thread(batch, "rotor-batch");
                runner.setDaemon(true);
                runner.start();
            });
        }
    }

    /** Where the journal, the result cache and the gateway's idempotency keys are kept. */
    private record Stores(KeptStore journal, KeptStore shared) {}

    /**
     * The journal is always kept on this machine, in rotor.cache.dir: the task it answers comes again to this
     * process's folder or queue after a restart, and no task's answer goes to Redis unless the cache is asked for.
     * The cache and the idempotency keys are on Redis with rotor.state=redis, shared by every instance, else in the
     * same folder.
     */
    private static Stores keptStores(RotorSettings settings, LimitState limits, Clock clock) {
        CacheSettings cache = settings.cache();
        boolean sharedUsed = cache.on() || settings.intakes().contains("http");
        KeptStore journal = cache.journal() ? journal(cache, clock) : KeptStore.NONE;
        KeptStore shared = KeptStore.NONE;
        if (sharedUsed && limits instanceof RedisLimitState redis) {
            LOG.info(
                    "Cached answers and idempotency keys kept on Redis, shared under prefix '{}'",
                    settings.state().prefix());
            Duration longest =
                    Collections.max(List.of(cache.ttl(), settings.gateway().idempotencyTtl()));
            shared = new RedisKeptStore(redis.store(), settings.state().prefix(), cache.maxEntries(), longest, clock);
        } else if (sharedUsed) {
            shared = kept(() -> new FolderKeptStore(cache.folder(), cache.maxEntries(), clock));
            LOG.info("Cached answers and idempotency keys kept in {} ({} records)", cache.folder(), shared.size());
        }
        return new Stores(journal, shared);
    }

    private static KeptStore journal(CacheSettings cache, Clock clock) {
        KeptStore journal =
                kept(() -> new JournalFile(cache.folder().resolve("journal.log"), cache.maxEntries(), clock));
        LOG.info("Journal in {} ({} answers recorded)", cache.folder().resolve("journal.log"), journal.size());
        return journal;
    }

    /** A store on this machine, or the one-line mistake that names rotor.cache.dir. */
    private static KeptStore kept(Supplier<KeptStore> open) {
        try {
            return open.get();
        } catch (UncheckedIOException e) {
            throw new ConfigurationMistake(new IllegalArgumentException(e.getMessage() + ": " + e.getCause()));
        }
    }

    /**
     * The folders Rotor writes to and renames in for every task, tried once before any task: a folder that cannot
     * take a result would otherwise show only after a model was paid for the answer.
     */
    private static void checkFolders(RotorSettings settings) {
        if (settings.output().toFiles()) {
            OutputFolders.checkWritable(settings.output().outbox(), "rotor.outbox.dir");
            OutputFolders.checkWritable(settings.output().failed(), "rotor.failed.dir");
        }
        if (settings.intakes().contains("file") && !settings.inboxKeep() && !settings.check()) {
            OutputFolders.checkMovable(settings.inbox(), settings.inbox().resolve(".done"), "rotor.inbox.dir");
        }
    }

    /** One timer thread for streams' first-token and stall deadlines: each is a close scheduled and mostly cancelled. */
    private static ScheduledExecutorService streamTimer(CamelContext context) throws Exception {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "rotor-stream-timer");
            t.setDaemon(true);
            return t;
        });
        closeOnStop(context, timer::shutdownNow);
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

    private static void closeOnStop(CamelContext context, Runnable close) throws Exception {
        context.addService(
                new ServiceSupport() {
                    @Override
                    protected void doStop() {
                        close.run();
                    }
                },
                true,
                true);
    }

    /** The OpenAI-compatible gateway's beans; refuses to serve beyond this machine with no keys unless told to. */
    private static void bindGateway(
            Registry beans,
            GatewaySettings gateway,
            ModelRegistry models,
            TransportMetrics transports,
            ObjectMapper json,
            Clock clock,
            InputEstimates estimates,
            GatewayCall calls,
            Traces traces)
            throws Exception {
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
        beans.bind(
                "gatewayIntake",
                new GatewayIntake(gateway, new ModelChoice(models), transports, json, clock, estimates, calls, traces));
    }

    /** The limit state: this process's own, or shared on Redis with every process on the same Redis and prefix. */
    private static LimitState limitState(
            CamelContext context, InMemoryLimitState own, ModelRegistry models, Clock clock, StateSettings state)
            throws Exception {
        if (state.store() == StateSettings.Store.MEMORY) {
            return own;
        }
        RedisEndpoint endpoint = RedisEndpoint.parse(state.redisUrl());
        RedisLimitState shared = new RedisLimitState(
                own, models, clock, endpoint, state.redisPassword(), state.timeout(), state.prefix());
        LOG.info(
                "Limit state shared on Redis at {} under prefix '{}' (this process: {})",
                endpoint,
                state.prefix(),
                shared.process());
        closeOnStop(context, shared::close);
        return shared;
    }

    /** The registry camel-main's metrics service scrapes at /observe/metrics, whichever of us creates it first. */
    private static PrometheusMeterRegistry prometheusRegistry(Registry beans) {
        PrometheusMeterRegistry existing =
                beans.lookupByNameAndType(MicrometerConstants.METRICS_REGISTRY_NAME, PrometheusMeterRegistry.class);
        if (existing != null) {
            return existing;
        }
        PrometheusMeterRegistry created = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        beans.bind(MicrometerConstants.METRICS_REGISTRY_NAME, created);
        return created;
    }

    private static Set<String> simulatedProviders(ModelRegistry models, ApiKeys keys, RotorSettings settings) {
        return models.providers().stream()
                .filter(p -> switch (settings.simulator()) {
                    case ALWAYS -> true;
                    case NEVER -> false;
                    case AUTO -> keys.isMissing(p);
                })
                .map(Provider::name)
                .collect(Collectors.toUnmodifiableSet());
    }

    private static ModelRegistry pointAtSimulator(
            CamelContext context, ModelRegistry models, Set<String> simulated, RotorSettings settings)
            throws Exception {
        EmbeddedSimulator simulator = EmbeddedSimulator.start(settings.simulatorScenario());
        context.addService(simulator, true, true);
        models.providers().stream()
                .filter(p -> simulated.contains(p.name()))
                .forEach(p -> LOG.warn(
                        "No API key in {}: provider '{}' is served by the embedded simulator at {}; results are marked simulated",
                        p.apiKeyEnv(),
                        p.name(),
                        simulator.server().baseUrl()));
        return models.withProviders(p ->
                simulated.contains(p.name()) ? p.withBaseUrl(simulator.server().baseUrl()) : p);
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

    /** Runs once the routes run (the management server is up by then). */
    private static void whenStarted(CamelContext context, Runnable then) {
        on(context, CamelEvent.CamelContextStartedEvent.class, then);
    }

    /** Runs as Camel begins to stop, before it waits for the exchanges in flight. */
    private static void whenStopping(CamelContext context, Runnable then) {
        on(context, CamelEvent.CamelContextStoppingEvent.class, then);
    }

    private static void on(CamelContext context, Class<? extends CamelEvent> type, Runnable then) {
        context.getManagementStrategy().addEventNotifier(new SimpleEventNotifierSupport() {
            {
                // only the context's own events: Camel then makes no event object for each step of every exchange
                // on this notifier's account
                setIgnoreExchangeEvents(true);
                setIgnoreRouteEvents(true);
                setIgnoreServiceEvents(true);
                setIgnoreStepEvents(true);
            }

            @Override
            public void notify(CamelEvent event) {
                if (type.isInstance(event)) {
                    then.run();
                }
            }
        });
    }
}
