package dev.rotor.camel;
import dev.rotor.batch.TaskLedger;

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
    public static final String LEDGER_ENTRY = TaskLedger.ENTRY_PROPERTY;
    /** Set by an intake whose consumer holds its thread per task (transacted JMS): long waits park the task. */
    public static final String PARKABLE = "rotorParkable";
    /** The caller asked for the answer as a stream of server-sent events (a gateway request with stream: true). */
    public static final String STREAMED = "rotorStreamed";
    /**
     * A streamed call's response body, kept out of the message body: Camel's stream caching would read a stream
     * body to its end before the next step, which for a chat stream means waiting out the whole answer.
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

    private ExchangeKeys() {
    }
}
