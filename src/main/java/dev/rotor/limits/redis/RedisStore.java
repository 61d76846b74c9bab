package dev.rotor.limits.redis;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.JedisPubSub;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisNoScriptException;

/**
 * One Redis, as the shared limit state uses it: calls that give up after the timeout, writes that go on a thread of
 * their own, a subscription to what other processes tell, and a watch that notices when Redis is lost or slow and when
 * it is back. While Redis is out of reach the store is <em>degraded</em>: every call returns empty at once, and the
 * caller goes on local state (fail-open).
 */
public final class RedisStore implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(RedisStore.class);
    private static final long RECONNECT_EVERY_MS = 500;
    private static final int PENDING_WRITES = 10_000;

    /** A Lua script, sent by its digest once Redis knows it. */
    record Script(String name, String text) {
        static Script load(String name) {
            try (InputStream in = RedisStore.class.getResourceAsStream("/redis/" + name + ".lua")) {
                if (in == null) {
                    throw new IllegalStateException("no script redis/" + name + ".lua in the jar");
                }
                return new Script(name, new String(in.readAllBytes(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new IllegalStateException("cannot read redis/" + name + ".lua", e);
            }
        }
    }

    private final RedisEndpoint endpoint;
    private final String password;
    private final Duration timeout;
    private final String channel;
    private final Consumer<String> onMessage;
    private final Runnable onReconnect;
    private final ScheduledExecutorService watch =
            Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "rotor-state-watch"));
    private final ThreadPoolExecutor writes = new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(PENDING_WRITES),
            r -> daemon(r, "rotor-state-writes"),
            new ThreadPoolExecutor.DiscardPolicy());
    private volatile RedisClient client;
    private volatile boolean degraded = true;
    private volatile boolean closed;
    private volatile JedisPubSub subscription;
    private final Map<String, String> digests = new ConcurrentHashMap<>();

    /**
     * @param onMessage gets each message another process published on {@code channel}
     * @param onReconnect runs each time Redis is reached after being out of reach (and at the first connection)
     */
    public RedisStore(
            RedisEndpoint endpoint,
            String password,
            Duration timeout,
            String channel,
            Consumer<String> onMessage,
            Runnable onReconnect) {
        this.endpoint = endpoint;
        this.password = password;
        this.timeout = timeout;
        this.channel = channel;
        this.onMessage = onMessage;
        this.onReconnect = onReconnect;
    }

    /** Connects, or starts degraded with a warning when Redis cannot be reached, trying again every half second. */
    public void start() {
        Optional<RuntimeException> failed = tryConnect();
        failed.ifPresent(e -> LOG.warn(
                "Redis at {} cannot be reached ({}): starting on this process's own view of the "
                        + "limits, with no shared answers or idempotency keys (rotor_state_degraded=1); trying again every {} ms",
                endpoint,
                brief(e),
                RECONNECT_EVERY_MS));
        watch.scheduleWithFixedDelay(
                this::reconnectIfLost, RECONNECT_EVERY_MS, RECONNECT_EVERY_MS, TimeUnit.MILLISECONDS);
    }

    /** True while Redis is out of reach (or too slow) and the limit state is this process's own. */
    public boolean degraded() {
        return degraded;
    }

    /** Runs a script call and waits at most the timeout for its reply; empty (and degraded) if Redis did not answer. */
    Optional<Object> eval(ScriptCall call) {
        return eval(call.script(), call.keyValues(), call.argValues());
    }

    /**
     * Runs a script call on the writer thread; dropped when Redis is out of reach, as local state goes on regardless.
     */
    void evalLater(ScriptCall call) {
        evalLater(call.script(), call.keyValues(), call.argValues());
    }

    private Optional<Object> eval(Script script, List<String> keys, List<String> args) {
        return call(c -> evalOn(c, script, keys, args));
    }

    private void evalLater(Script script, List<String> keys, List<String> args) {
        if (!degraded) {
            writes.execute(() -> call(c -> evalOn(c, script, keys, args)));
        }
    }

    /** Runs a command on the writer thread; dropped when Redis is out of reach. */
    public void later(Consumer<RedisClient> command) {
        if (!degraded) {
            writes.execute(() -> call(c -> {
                command.accept(c);
                return Boolean.TRUE;
            }));
        }
    }

    /** Runs a command now, waiting at most the timeout; empty (and degraded) if Redis did not answer. */
    public <T> Optional<T> call(Function<RedisClient, T> command) {
        RedisClient c = client;
        if (degraded || c == null) {
            return Optional.empty();
        }
        try {
            return Optional.ofNullable(command.apply(c));
        } catch (RuntimeException e) {
            lost(e);
            return Optional.empty();
        }
    }

    private Object evalOn(RedisClient c, Script script, List<String> keys, List<String> args) {
        String digest = digests.get(script.name());
        if (digest != null) {
            try {
                return c.evalsha(digest, keys, args);
            } catch (JedisNoScriptException e) {
                // Redis restarted, or flushed its scripts: load it again
            }
        }
        digests.put(script.name(), c.scriptLoad(script.text()));
        return c.evalsha(digests.get(script.name()), keys, args);
    }

    private void lost(RuntimeException cause) {
        if (!degraded) {
            degraded = true;
            LOG.warn(
                    "Redis at {} is lost or slower than {} ms ({}): going on with this process's own view of the "
                            + "limits, with no shared answers or idempotency keys (rotor_state_degraded=1) until it is back",
                    endpoint,
                    timeout.toMillis(),
                    brief(cause));
            JedisPubSub s = subscription;
            if (s != null && s.isSubscribed()) {
                try {
                    s.unsubscribe();
                } catch (RuntimeException ignored) {
                    // the subscription's connection is gone already
                }
            }
        }
    }

    private void reconnectIfLost() {
        if (degraded && !closed) {
            if (tryConnect().isEmpty()) {
                LOG.info("Redis at {} is back: the limit state is shared again", endpoint);
            }
        }
    }

    /** Empty if connected, else why not. */
    private synchronized Optional<RuntimeException> tryConnect() {
        RedisClient c = client;
        try {
            if (c == null) {
                c = RedisClient.builder()
                        .hostAndPort(endpoint.host(), endpoint.port())
                        .clientConfig(clientConfig())
                        .poolConfig(poolConfig())
                        .build();
                client = c;
            }
            c.ping();
            digests.clear();
            degraded = false;
            subscribe();
            onReconnect.run();
            return Optional.empty();
        } catch (RuntimeException e) {
            degraded = true;
            return Optional.of(e);
        }
    }

    private void subscribe() {
        JedisPubSub s = new JedisPubSub() {
            @Override
            public void onMessage(String from, String message) {
                try {
                    onMessage.accept(message);
                } catch (RuntimeException e) {
                    LOG.debug("ignored a message on {}: {}", from, brief(e));
                }
            }
        };
        subscription = s;
        RedisClient c = client;
        Thread t = new Thread(
                () -> {
                    try {
                        c.subscribe(s, channel);
                    } catch (RuntimeException e) {
                        if (!closed) {
                            lost(e);
                        }
                    }
                },
                "rotor-state-subscriber");
        t.setDaemon(true);
        t.start();
    }

    private DefaultJedisClientConfig clientConfig() {
        int ms = (int) Math.max(1, timeout.toMillis());
        DefaultJedisClientConfig.Builder b = DefaultJedisClientConfig.builder()
                .socketTimeoutMillis(ms)
                .connectionTimeoutMillis(Math.max(ms, 1_000))
                .database(endpoint.database())
                .ssl(endpoint.tls())
                .clientName("rotor");
        endpoint.user().ifPresent(b::user);
        if (!password.isEmpty()) {
            b.password(password);
        }
        return b.build();
    }

    private ConnectionPoolConfig poolConfig() {
        ConnectionPoolConfig pool = new ConnectionPoolConfig();
        pool.setMaxTotal(16);
        pool.setMinIdle(2);
        pool.setMaxWait(timeout);
        pool.setTestOnBorrow(false);
        return pool;
    }

    private static String brief(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getClass().getSimpleName() + (root.getMessage() == null ? "" : ": " + root.getMessage());
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    @Override
    public void close() {
        closed = true;
        watch.shutdownNow();
        writes.shutdown();
        try {
            writes.awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        JedisPubSub s = subscription;
        if (s != null && s.isSubscribed()) {
            try {
                s.unsubscribe();
            } catch (RuntimeException ignored) {
                // closing anyway
            }
        }
        RedisClient c = client;
        if (c != null) {
            c.close();
        }
    }
}
