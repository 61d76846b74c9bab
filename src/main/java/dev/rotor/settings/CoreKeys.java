package dev.rotor.settings;

import static dev.rotor.settings.Setting.choice;
import static dev.rotor.settings.Setting.of;

import dev.rotor.limits.LimitsConfig;
import dev.rotor.rotation.RotationConfig;
import java.util.List;

/** Tasks, models and rotation: how each task is worked through its chain. */
public final class CoreKeys {

    public static final Setting MODELS_FILE =
            of("rotor.models.file", Kind.PATH, "models.yaml", "providers, models, limit groups, chains");
    public static final Setting CONCURRENCY = of(
            "rotor.concurrency",
            Kind.COUNT,
            "8",
            "tasks worked on at once; a task waiting for a model holds no thread");
    public static final Setting TASK_DEADLINE = of(
            "rotor.task.deadline",
            Kind.DURATION,
            "10m",
            "from intake; a task that cannot finish by then is dead-lettered `deadline`");
    public static final Setting STRATEGY = choice(
            "rotor.rotation.strategy",
            "priority",
            "`priority`: each task from the top of its chain; `sticky`: every task stays on the model that last worked "
                    + "until it fails (fewer model switches, more 429s)",
            "priority",
            "sticky");
    public static final Setting ROTATE_AFTER = of(
            "rotor.rotation.rotate-after",
            Kind.COUNT,
            String.valueOf(RotationConfig.DEFAULT_ROTATE_AFTER),
            "transient failures in a row on one model before a task rotates");
    public static final Setting USE_DECLARED_LIMITS = of(
            "rotor.rotation.use-declared-limits",
            Kind.FLAG,
            String.valueOf(LimitsConfig.DEFAULT_USE_DECLARED),
            "pace calls by the limits models.yaml declares");
    public static final Setting LEARN_LIMITS = of(
            "rotor.rotation.learn-limits",
            Kind.FLAG,
            String.valueOf(LimitsConfig.DEFAULT_LEARN),
            "learn limits from answers and pace by them; `false`: every waiting call goes at a reset");
    public static final Setting PACE_TOKENS = of(
            "rotor.rotation.pace-tokens",
            Kind.FLAG,
            String.valueOf(LimitsConfig.DEFAULT_PACE_TOKENS),
            "pace by token limits (declared, announced in headers, told in 429 bodies) as by request limits");
    public static final Setting RETRY_INITIAL_DELAY =
            of("rotor.retry.initial-delay", Kind.DURATION, "1s", "the first backoff after a transient failure");
    public static final Setting RETRY_MULTIPLIER = of(
            "rotor.retry.multiplier",
            Kind.NUMBER,
            "2.0",
            "each backoff is this many times the one before (at least 1)");
    public static final Setting RETRY_MAX_DELAY =
            of("rotor.retry.max-delay", Kind.DURATION, "60s", "the longest backoff");
    public static final Setting RETRY_JITTER = of(
            "rotor.retry.jitter",
            Kind.NUMBER,
            "0.2",
            "each backoff is spread by up to this fraction either way (from 0 to below 1)");
    public static final Setting MAX_ATTEMPTS = of(
            "rotor.retry.max-attempts",
            Kind.COUNT,
            String.valueOf(RotationConfig.DEFAULT_MAX_ATTEMPTS),
            "calls a task may make before it is dead-lettered `exhausted`");
    public static final Setting PAYMENT_COOLDOWN =
            of("rotor.payment.cooldown", Kind.DURATION, "1h", "how long a model that answered 402 is left out");
    public static final Setting BREAKER_THRESHOLD = of(
            "rotor.breaker.threshold",
            Kind.COUNT,
            String.valueOf(RotationConfig.DEFAULT_BREAKER_THRESHOLD),
            "failures in a row that open a model's circuit breaker");
    public static final Setting BREAKER_WAIT = of(
            "rotor.breaker.wait",
            Kind.DURATION,
            "30s",
            "how long an open breaker waits before it lets a probe through");
    public static final Setting ANSWER_CHECKS = of(
            "rotor.answers.checks",
            Kind.SWITCH,
            "on",
            "check every answer before it counts (finish reason, refusals, JSON, `json_schema`, tool arguments, "
                    + "`accept`); `off`: an answer passes when it has content");
    public static final Setting REASK = of(
            "rotor.answers.reask",
            Kind.WHOLE,
            String.valueOf(RotationConfig.DEFAULT_REASK),
            "times a model is asked again, told what was wrong, before the task moves on (0: at once)");
    public static final Setting ACCEPT_TRUNCATED = of(
            "rotor.answers.accept-truncated",
            Kind.FLAG,
            "false",
            "take an answer cut off at `max_tokens` as it is, instead of asking again with twice the `max_tokens`");
    public static final Setting DISTRUST_AFTER = of(
            "rotor.answers.distrust-after",
            Kind.COUNT,
            String.valueOf(RotationConfig.DEFAULT_DISTRUST_AFTER),
            "JSON or tool answers of a model failing their checks this many times in a row make it sit out such tasks");
    public static final Setting DISTRUST_FOR = of(
            "rotor.answers.distrust-for",
            Kind.DURATION,
            "10m",
            "how long a distrusted model sits out JSON and tool tasks (it keeps plain ones)");
    public static final Setting BUDGET_PER_HOUR = budget("hour");
    public static final Setting BUDGET_PER_DAY = budget("day");
    public static final Setting BUDGET_PER_MONTH = budget("month");

    public static final SettingsGroup GROUP = new SettingsGroup(
            "Tasks, models and rotation",
            List.of(
                    MODELS_FILE,
                    CONCURRENCY,
                    TASK_DEADLINE,
                    STRATEGY,
                    ROTATE_AFTER,
                    USE_DECLARED_LIMITS,
                    LEARN_LIMITS,
                    PACE_TOKENS,
                    RETRY_INITIAL_DELAY,
                    RETRY_MULTIPLIER,
                    RETRY_MAX_DELAY,
                    RETRY_JITTER,
                    MAX_ATTEMPTS,
                    PAYMENT_COOLDOWN,
                    BREAKER_THRESHOLD,
                    BREAKER_WAIT,
                    ANSWER_CHECKS,
                    REASK,
                    ACCEPT_TRUNCATED,
                    DISTRUST_AFTER,
                    DISTRUST_FOR,
                    BUDGET_PER_HOUR,
                    BUDGET_PER_DAY,
                    BUDGET_PER_MONTH));

    private CoreKeys() {}

    private static Setting budget(String window) {
        return of(
                "rotor.budget.usd-per-" + window,
                Kind.USD,
                "",
                "a budget per " + window + " (UTC) that every call counts on, whatever its model; each model must then "
                        + "have a price");
    }
}
