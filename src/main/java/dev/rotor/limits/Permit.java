package dev.rotor.limits;

import dev.rotor.models.ModelSpec;
import java.time.Instant;

/**
 * A call the limit state let go: the model, its id in the send logs of every scope it counts against, when, and what it
 * reserved there.
 */
public record Permit(ModelSpec model, long id, Instant sentAt, Reservation reserved) {

    public Permit(ModelSpec model, long id, Instant sentAt) {
        this(model, id, sentAt, Reservation.ONE_CALL);
    }
}
