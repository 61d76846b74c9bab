package dev.rotor.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.rotor.cache.KeptStore;
import dev.rotor.cache.Sha256;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The gateway's {@code Idempotency-Key}: a request repeated with the same key and body within the time to live gets the
 * first one's answer again, with no call; a repeat while the first is still being answered gets 409, and the key with
 * another body 422. Records are kept in the kept store (a folder, or Redis shared by every instance), under a hash of
 * the caller's credentials and the key, so one caller cannot see another's answers. While a request is being answered
 * its record is a lease for the gateway's deadline: a process that died with it blocks the key no longer. Only whole
 * answers are kept: errors and truncated answers free the key.
 */
public final class IdempotentRequests {

    public static final String HEADER = "Idempotency-Key";
    /** Set on an answer given again from its record, as Stripe's API does. */
    public static final String REPLAYED_HEADER = "Idempotent-Replayed";
    /** Keys longer than this are refused (Stripe's bound). */
    static final int MAX_KEY_CHARS = 255;

    /** What is kept under a key: the body's hash, and once answered, the answer as it was sent. */
    record Kept(
            String bodySha256,
            boolean answered,
            int status,
            Map<String, String> headers,
            String body,
            boolean streamed) {}

    /** What to do with a request that carries a key. */
    sealed interface Verdict permits Lead, Replay, Refuse {}

    /** The first with this key: answer it, then {@link #finished}. */
    record Lead(String storeKey, String bodySha256) implements Verdict {}

    record Replay(Kept kept) implements Verdict {}

    record Refuse(OpenAiError error) implements Verdict {}

    private final KeptStore store;
    private final ObjectMapper json;
    private final Duration ttl;
    private final Duration lease;

    /**
     * @param ttl how long an answer is given again ({@code rotor.gateway.idempotency-ttl})
     * @param lease how long a request being answered holds its key: the gateway's deadline and a margin
     */
    public IdempotentRequests(KeptStore store, ObjectMapper json, Duration ttl, Duration lease) {
        this.store = store;
        this.json = json;
        this.ttl = ttl;
        this.lease = lease;
    }

    public Verdict begin(String key, String authorization, byte[] body) {
        if (key.isBlank() || key.length() > MAX_KEY_CHARS) {
            return new Refuse(new OpenAiError(
                    400,
                    "The Idempotency-Key header must be 1 to " + MAX_KEY_CHARS + " characters",
                    "invalid_request_error",
                    "invalid_idempotency_key",
                    null,
                    OptionalLong.empty()));
        }
        String storeKey = "request-" + Sha256.hex((authorization == null ? "" : authorization) + "\n" + key);
        String bodySha256 = Sha256.hex(body);
        for (int tries = 0; tries < 2; tries++) {
            if (store.claim(storeKey, write(new Kept(bodySha256, false, 0, Map.of(), "", false)), lease)) {
                return new Lead(storeKey, bodySha256);
            }
            Optional<Kept> kept = store.find(storeKey).flatMap(this::read);
            if (kept.isEmpty()) {
                // it expired between the two: claim again
                continue;
            }
            if (!kept.get().bodySha256().equals(bodySha256)) {
                return new Refuse(new OpenAiError(
                        422,
                        "This Idempotency-Key was used with another request body",
                        "invalid_request_error",
                        "idempotency_key_reused",
                        null,
                        OptionalLong.empty()));
            }
            if (!kept.get().answered()) {
                return new Refuse(new OpenAiError(
                        409,
                        "A request with this Idempotency-Key is still being answered",
                        "invalid_request_error",
                        "idempotency_key_in_use",
                        null,
                        OptionalLong.of(1)));
            }
            return new Replay(kept.get());
        }
        // the store cannot hold the key (out of reach): answer as if no key had been sent
        return new Lead(null, bodySha256);
    }

    /** The lead's answer went out: kept when whole, else the key is free for the client to try again. */
    public void finished(Lead lead, int status, Map<String, String> headers, String body, boolean streamed) {
        if (lead.storeKey() == null) {
            return;
        }
        if (status == 200 && whole(body, streamed)) {
            store.keep(lead.storeKey(), write(new Kept(lead.bodySha256(), true, status, headers, body, streamed)), ttl);
        } else {
            store.forget(lead.storeKey());
        }
    }

    /**
     * An answer not cut at max_tokens, and a stream that ended with {@code [DONE]} (a broken one ends with an error
     * event instead). The answer is as it was written, by Jackson, with no space after a colon.
     */
    private static boolean whole(String body, boolean streamed) {
        boolean truncated = body.contains("\"finish_reason\":\"length\"");
        return !body.isEmpty() && !truncated && (!streamed || body.endsWith("data: [DONE]\n\n"));
    }

    private String write(Kept kept) {
        try {
            return json.writeValueAsString(kept);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("an idempotency record cannot be written", e);
        }
    }

    private Optional<Kept> read(String text) {
        try {
            return Optional.of(json.readValue(text, Kept.class));
        } catch (JsonProcessingException e) {
            return Optional.empty();
        }
    }
}
