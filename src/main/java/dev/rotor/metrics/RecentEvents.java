package dev.rotor.metrics;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What an operator asks about first and a counter cannot tell: the last rotations and dead letters, and why each model
 * last failed. Bounded, so a Rotor that runs for weeks keeps only the latest.
 */
public final class RecentEvents {

    /** How many rotations and how many dead letters are kept. */
    public static final int KEPT = 50;

    /** A task moved from one model to another. */
    public record Rotation(Instant at, String task, String from, String to, String reason) {}

    /** A task that went to the dead letter, with the model it last tried. */
    public record DeadLetter(Instant at, String task, String model, String reason) {}

    /** The last failed call of a model. */
    public record LastFailure(Instant at, String kind, String message) {}

    private final Clock clock;
    private final Deque<Rotation> rotations = new ArrayDeque<>();
    private final Deque<DeadLetter> deadLetters = new ArrayDeque<>();
    private final Map<String, LastFailure> lastFailures = new ConcurrentHashMap<>();

    public RecentEvents(Clock clock) {
        this.clock = clock;
    }

    public void rotated(String task, String from, String to, String reason) {
        keep(rotations, new Rotation(clock.instant(), task, from, to, reason));
    }

    public void deadLettered(String task, String model, String reason) {
        keep(deadLetters, new DeadLetter(clock.instant(), task, model, reason));
    }

    public void failed(String model, String kind, String message) {
        lastFailures.put(model, new LastFailure(clock.instant(), kind, message));
    }

    /** Newest first. */
    public List<Rotation> rotations() {
        return newestFirst(rotations);
    }

    /** Newest first. */
    public List<DeadLetter> deadLetters() {
        return newestFirst(deadLetters);
    }

    public Optional<LastFailure> lastFailure(String model) {
        return Optional.ofNullable(lastFailures.get(model));
    }

    private static <T> void keep(Deque<T> kept, T event) {
        synchronized (kept) {
            if (kept.size() == KEPT) {
                kept.removeFirst();
            }
            kept.addLast(event);
        }
    }

    private static <T> List<T> newestFirst(Deque<T> kept) {
        synchronized (kept) {
            List<T> copy = new ArrayList<>(kept.size());
            kept.descendingIterator().forEachRemaining(copy::add);
            return List.copyOf(copy);
        }
    }
}
