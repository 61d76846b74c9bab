package dev.rotor.core;
/** Names of the exchange properties that carry a task through the routes. */
public final class ExchangeKeys {

    public static final String TASK = "rotorTask";
    public static final String TASK_ID = "rotorTaskId";
    public static final String PROGRESS = "rotorProgress";
    public static final String RECEIVED_AT = "rotorReceivedAt";
    public static final String CALL_URI = "rotorCallUri";
    public static final String MODEL = "rotorModel";
    /** The limit state's permit for the call in flight: settled by the answer, whatever it is. */
    public static final String PERMIT = "rotorPermit";

    public static final String CALL_STARTED = "rotorCallStarted";
    public static final String RESULT = "rotorResult";
    /** The answer's {@code AnswerVerdict.Accepted}: its finish reason, what it was checked against, whether healed. */
    public static final String VERDICT = "rotorVerdict";

    public static final String DECISION = "rotorDecision";
    public static final String RAW_INPUT = "rotorRawInput";
    /** The ledger line of the outcome document in the body, set with it. */
    public static final String LEDGER_ENTRY = "rotorLedgerEntry";
    /** Set by an intake whose consumer holds its thread per task (transacted JMS): long waits park the task. */
    public static final String PARKABLE = "rotorParkable";
    /** The caller asked for the answer as a stream of server-sent events (a gateway request with stream: true). */
    public static final String STREAMED = "rotorStreamed";
    /**
     * A streamed call's response body, kept out of the message body: Camel's stream caching would read a stream body to
     * its end before the next step, which for a chat stream means waiting out the whole answer.
     */
    public static final String STREAM_BODY = "rotorStreamBody";
    /** The task leads its cache key: its answer is kept and given to the tasks that wait for it. */
    public static final String CACHE_LEAD = "rotorCacheLead";
    /** Where the journal records this task's answer once a call gives it. */
    public static final String JOURNAL_KEY = "rotorJournalKey";
    /** The kept answer the task was completed from, with no call. */
    public static final String CACHED = "rotorCached";
    /** A provider's stream past its first content chunk, to be relayed to the caller. */
    public static final String OPEN_STREAM = "rotorOpenStream";

    /** Which transport the task came by (a {@code Transport}). */
    public static final String TRANSPORT = "rotorTransport";
    /** Set while the task counts as in flight on its transport. */
    public static final String IN_FLIGHT_COUNTED = "rotorInFlightCounted";
    /** Set while the task waits for a model to free. */
    public static final String WAITING_FOR_MODEL = "rotorWaitingForModel";
    /** The route a task's result goes to, set at intake ({@link ReplyTarget}). */
    public static final String REPLY_COMPLETED = "rotorReplyCompleted";
    /** The route a task's failed outcome goes to, set at intake. */
    public static final String REPLY_FAILED = "rotorReplyFailed";
    /** The route that parks the task on its queue, for a transport that can. */
    public static final String PARK_ROUTE = "rotorParkRoute";
    /** The processor that makes the task's model calls, when its intake has one of its own (the gateway's). */
    public static final String CALLER = "rotorCaller";
    /** How long a parked task waits on its queue before it is taken again. */
    public static final String PARK_DELAY_MS = "rotorParkDelayMs";
    /** Set once the task's output refused its outcome: delivery is being retried. */
    public static final String UNDELIVERED = "rotorUndelivered";
    /** A gateway request's HTTP response, written to when the answer is in. */
    public static final String HTTP_RESPONSE = "rotorHttpResponse";
    /** Frees a gateway request's place among those in flight, once its response has ended. */
    public static final String GATEWAY_RELEASE = "rotorGatewayRelease";
    /** Where a gateway request with an Idempotency-Key records its answer. */
    public static final String ANSWER_RECORDING = "rotorAnswerRecording";

    /** A streamed call that sent its first content (StreamedCall): its start and span, for the relay to end. */
    public static final String STREAMED_CALL = "rotorStreamedCall";

    private ExchangeKeys() {}
}
