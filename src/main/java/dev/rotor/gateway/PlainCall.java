package dev.rotor.gateway;

import dev.rotor.models.Provider;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientRequest;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.net.TrustOptions;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import javax.net.ssl.TrustManagerFactory;

/**
 * A gateway request's plain (not streamed) call, made with the Vert.x of the gateway's own HTTP server: sent from and
 * answered on the event loop that took the request, so no thread hands the call or its answer on (each hand-off costs a
 * thread's wake-up). Everything done with the answer before the client has it is CPU work, so it may run on the event
 * loop. A call is abandoned (its connection reset) when its time runs out.
 */
final class PlainCall {

    /** What came back: the status, the headers (first value of each) and the body. */
    record Answer(int status, Map<String, String> headers, String body) {}

    private final Vertx vertx;
    private final HttpClient client;
    private final Map<Provider, Target> targets = new ConcurrentHashMap<>();

    PlainCall(Vertx vertx, Duration connectTimeout, int maxConnectionsPerProvider) {
        this.vertx = vertx;
        // an https provider is trusted as by every other HTTP client in the JVM: its default trust store (cacerts, or
        // javax.net.ssl.trustStore), with the host name checked
        this.client = vertx.createHttpClient(
                new HttpClientOptions()
                        .setKeepAlive(true)
                        .setTcpNoDelay(true)
                        .setConnectTimeout((int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
                        .setTrustOptions(TrustOptions.wrap(jvmTrust()))
                        .setVerifyHost(true),
                new PoolOptions().setHttp1MaxSize(maxConnectionsPerProvider));
    }

    private static TrustManagerFactory jvmTrust() {
        try {
            TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            trust.init((KeyStore) null);
            return trust;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JVM's default trust store could not be read", e);
        }
    }

    /**
     * Sends the call; {@code done} gets the answer, or why there is none: an {@link HttpTimeoutException} when no
     * answer came within {@code wait} (the call is then abandoned), else the I/O failure.
     */
    void send(
            Provider provider,
            Map<String, String> headers,
            String body,
            Duration wait,
            BiConsumer<Answer, Throwable> done) {
        RequestOptions options = targets.computeIfAbsent(provider, p -> target(p.chatCompletionsUrl()))
                .options();
        headers.forEach(options::putHeader);
        AtomicBoolean settled = new AtomicBoolean();
        AtomicReference<HttpClientRequest> sent = new AtomicReference<>();
        BiConsumer<Answer, Throwable> once = (answer, failure) -> {
            if (settled.compareAndSet(false, true)) {
                done.accept(answer, failure);
            }
        };
        // the wait covers getting a connection too
        long giveUp = vertx.setTimer(Math.max(1, wait.toMillis()), id -> {
            once.accept(
                    null,
                    new HttpTimeoutException("no answer within " + wait.toMillis() + " ms; the call was abandoned"));
            HttpClientRequest request = sent.get();
            if (request != null) {
                request.reset();
            }
        });
        client.request(options).onComplete(opened -> {
            if (opened.failed()) {
                vertx.cancelTimer(giveUp);
                once.accept(null, opened.cause());
                return;
            }
            HttpClientRequest request = opened.result();
            sent.set(request);
            if (settled.get()) {
                request.reset();
                return;
            }
            request.send(Buffer.buffer(body))
                    .compose(response -> response.body()
                            .map(b -> new Answer(response.statusCode(), firstValues(response.headers()), b.toString())))
                    .onComplete(answered -> {
                        vertx.cancelTimer(giveUp);
                        once.accept(answered.result(), answered.cause());
                    });
        });
    }

    /**
     * Where a provider's calls go, worked out once: building and parsing its URL for every call is a measurable part of
     * a call.
     */
    private record Target(String host, int port, String path, boolean ssl) {
        RequestOptions options() {
            return new RequestOptions()
                    .setMethod(HttpMethod.POST)
                    .setHost(host)
                    .setPort(port)
                    .setURI(path)
                    .setSsl(ssl);
        }
    }

    private static Target target(URI url) {
        boolean ssl = "https".equalsIgnoreCase(url.getScheme());
        int port = url.getPort() > 0 ? url.getPort() : ssl ? 443 : 80;
        String path = url.getRawPath() + (url.getRawQuery() == null ? "" : "?" + url.getRawQuery());
        return new Target(url.getHost(), port, path, ssl);
    }

    private static Map<String, String> firstValues(MultiMap headers) {
        Map<String, String> first = new LinkedHashMap<>();
        headers.forEach(h -> first.putIfAbsent(h.getKey(), h.getValue()));
        return first;
    }
}
