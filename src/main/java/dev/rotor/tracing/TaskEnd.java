package dev.rotor.tracing;

import dev.rotor.batch.TaskLedger;
import dev.rotor.core.ExchangeKeys;
import dev.rotor.rotation.Decision;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import org.apache.camel.Exchange;

/**
 * The task's span at its exchange's end, however the task ended: completed or failed as its ledger line says, parked or
 * kept to be taken again; a call or stream still open ends with it.
 */
final class TaskEnd {

    private TaskEnd() {}

    static void end(TaskTrace trace, Exchange exchange) {
        trace.endOpenCall("the task ended before its call did");
        StreamedCall stream = exchange.getProperty(ExchangeKeys.STREAMED_CALL, StreamedCall.class);
        if (stream != null) {
            stream.endUnlessEnded("the task ended before its stream did");
        }
        Span task = trace.task();
        TaskLedger.Entry entry = exchange.getProperty(ExchangeKeys.LEDGER_ENTRY, TaskLedger.Entry.class);
        Object decision = exchange.getProperty(ExchangeKeys.DECISION);
        if (decision instanceof Decision.Keep keep) {
            // a written outcome that was not delivered before Rotor stopped: kept, whatever its ledger line says
            task.setAttribute("rotor.outcome", "kept");
            task.setStatus(StatusCode.ERROR, keep.why());
        } else if (entry != null) {
            task.setAttribute("rotor.outcome", entry.status());
            task.setAttribute("rotor.rotations", entry.rotations());
            task.setAttribute("rotor.calls", entry.calls());
            task.setAttribute("rotor.cached", entry.cached());
            if (entry.error() != null) {
                task.setAttribute("error.type", entry.error());
                task.setStatus(StatusCode.ERROR, entry.error());
            }
        } else if (decision instanceof Decision.Park park) {
            task.setAttribute("rotor.outcome", "parked");
            task.addEvent(
                    "rotor.parked",
                    Attributes.of(
                            AttributeKey.longKey("rotor.park.delay_ms"),
                            park.delay().toMillis()));
        } else if (exchange.isFailed()) {
            task.setAttribute("rotor.outcome", "failed");
            task.setStatus(
                    StatusCode.ERROR,
                    exchange.getException() == null
                            ? "failed"
                            : exchange.getException().getClass().getSimpleName());
        }
        task.end();
    }
}
