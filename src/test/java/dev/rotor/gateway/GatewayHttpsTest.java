package dev.rotor.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import dev.rotor.support.FreePorts;
import dev.rotor.support.RotorHarness;
import java.io.FileInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A provider on https (OpenRouter is one): the gateway's plain calls trust what every HTTP client in the JVM trusts,
 * its default trust store, and check the host. The provider here has a certificate made for the test; the JVM is told
 * to trust it through {@code javax.net.ssl.trustStore}, as a user would for a private CA.
 */
class GatewayHttpsTest {

    private static final String ANSWER = "{\"id\":\"c-1\",\"object\":\"chat.completion\",\"model\":\"vendor/tls\","
            + "\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"over TLS\"},"
            + "\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,\"total_tokens\":5}}";

    @TempDir
    Path dir;

    private HttpsServer provider;
    private final String trustStore = System.getProperty("javax.net.ssl.trustStore");

    @AfterEach
    void stop() {
        if (provider != null) {
            provider.stop(0);
        }
        restore("javax.net.ssl.trustStore", trustStore);
        System.clearProperty("javax.net.ssl.trustStorePassword");
        System.clearProperty("javax.net.ssl.trustStoreType");
    }

    @Test
    void shouldCallAnHttpsProviderTheJvmTrustsAndRefuseOneItDoesNot() throws Exception {
        Path serverKeys = dir.resolve("provider.p12");
        Path trusted = dir.resolve("trusted.p12");
        keytool(
                "-genkeypair",
                "-alias",
                "provider",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=127.0.0.1",
                "-ext",
                "SAN=ip:127.0.0.1",
                "-validity",
                "2",
                "-keystore",
                serverKeys.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                "changeit");
        keytool(
                "-exportcert",
                "-alias",
                "provider",
                "-keystore",
                serverKeys.toString(),
                "-storepass",
                "changeit",
                "-file",
                dir.resolve("provider.cer").toString());
        int providerPort = startProvider(serverKeys);
        String models = """
                providers:
                  tls:
                    base-url: https://127.0.0.1:%d/api/v1
                    api-key-env: %s
                models:
                  - { id: "vendor/tls", provider: tls }
                """.formatted(providerPort, RotorHarness.KEY_VARIABLE);

        // not in the JVM's trust store: the handshake fails, the model is never served, and the client hears why
        int port = FreePorts.next();
        try (RotorHarness rotor = RotorHarness.withModels(dir.resolve("untrusted"), models)
                .set("rotor.intake", "http")
                .set("rotor.gateway.port", Integer.toString(port))
                .set("rotor.retry.max-attempts", "1")
                .start()) {
            HttpResponse<String> refused = ask(port);
            assertThat(refused.statusCode()).isEqualTo(502);
            assertThat(refused.body()).contains("upstream_failed").containsIgnoringCase("SSL");
        }

        keytool(
                "-importcert",
                "-noprompt",
                "-alias",
                "provider",
                "-file",
                dir.resolve("provider.cer").toString(),
                "-keystore",
                trusted.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                "changeit");
        System.setProperty("javax.net.ssl.trustStore", trusted.toString());
        System.setProperty("javax.net.ssl.trustStorePassword", "changeit");
        System.setProperty("javax.net.ssl.trustStoreType", "PKCS12");
        port = FreePorts.next();
        try (RotorHarness rotor = RotorHarness.withModels(dir.resolve("trusted"), models)
                .set("rotor.intake", "http")
                .set("rotor.gateway.port", Integer.toString(port))
                .start()) {
            HttpResponse<String> answered = ask(port);
            assertThat(answered.statusCode()).isEqualTo(200);
            assertThat(answered.body()).contains("over TLS");
            assertThat(answered.headers().firstValue(GatewayAnswers.MODEL_HEADER))
                    .contains("vendor/tls");
        }
    }

    private static HttpResponse<String> ask(int port) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"vendor/tls\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
                .build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    }

    private int startProvider(Path keys) throws Exception {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = new FileInputStream(keys.toFile())) {
            store.load(in, "changeit".toCharArray());
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(store, "changeit".toCharArray());
        SSLContext tls = SSLContext.getInstance("TLS");
        tls.init(kmf.getKeyManagers(), null, null);
        int port = FreePorts.next();
        provider = HttpsServer.create(new InetSocketAddress("127.0.0.1", port), 0);
        provider.setHttpsConfigurator(new HttpsConfigurator(tls));
        provider.setExecutor(Executors.newSingleThreadExecutor());
        provider.createContext("/api/v1/chat/completions", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] body = ANSWER.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        provider.start();
        return port;
    }

    private static void keytool(String... args) throws Exception {
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        List<String> command = new ArrayList<>(List.of(keytool.toString()));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("keytool %s: %s", args[0], out).isZero();
    }

    private static void restore(String key, String value) {
        if (value == null) {
            System.clearProperty(key);
        } else {
            System.setProperty(key, value);
        }
    }
}
