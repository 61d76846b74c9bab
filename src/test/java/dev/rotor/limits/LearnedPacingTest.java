package dev.rotor.limits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.rotor.simulator.Limiter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Learned pacing against each limiter shape, in virtual time, beside declared limits on the same upstream (the goodput
 * benchmark's setup: 1,000 tasks, 16 clients, a pool of 30 and a paid model of 10 per 2 s, nothing said on success, a
 * 429 saying only when to come back). Seeds vary the upstream's phase and the delays on the way.
 */
class LearnedPacingTest {

    private static final int TASKS = 1000;
    private static final int CLIENTS = 16;
    private static final int SEEDS = 3;

    @ParameterizedTest
    @EnumSource(Limiter.Shape.class)
    void shouldUseTheCapacityAsDeclaredLimitsWouldWithFew429sWhenNothingIsDeclared(Limiter.Shape shape) {
        for (long seed = 1; seed <= SEEDS; seed++) {
            VirtualUpstream.Outcome learned =
                    new VirtualUpstream(shape, false, LimitsConfig.defaults(), seed).run(TASKS, CLIENTS);
            VirtualUpstream.Outcome declared =
                    new VirtualUpstream(shape, true, LimitsConfig.defaults(), seed).run(TASKS, CLIENTS);
            System.out.println(shape + " seed " + seed + ": learned " + learned + "; declared " + declared);
            assertThat(learned.completed()).isEqualTo(TASKS);
            assertThat(learned.elapsedMs())
                    .as("time to finish, against declared limits' %s ms", declared.elapsedMs())
                    .isLessThanOrEqualTo(declared.elapsedMs() * 105 / 100);
            assertThat(learned.rateLimitedPerTask()).isLessThanOrEqualTo(0.10);
            assertThat(learned.p99()).isLessThanOrEqualTo(declared.p99() * 12 / 10);
        }
    }

    @ParameterizedTest
    @EnumSource(
            value = Limiter.Shape.class,
            names = {"SLIDING", "BUCKET"})
    void shouldSpendManyMore429sWhenEveryWaitingCallGoesAtTheResetAsBeforeLearning(Limiter.Shape shape) {
        VirtualUpstream.Outcome learned =
                new VirtualUpstream(shape, false, LimitsConfig.defaults(), 1).run(TASKS, CLIENTS);
        VirtualUpstream.Outcome herd =
                new VirtualUpstream(shape, false, new LimitsConfig(true, false), 1).run(TASKS, CLIENTS);
        System.out.println(shape + ": learned " + learned + "; release-all " + herd);
        assertThat(herd.rateLimitedPerTask()).isGreaterThan(5 * learned.rateLimitedPerTask());
    }

    @ParameterizedTest
    @EnumSource(Limiter.Shape.class)
    void shouldNeverMeetA429WithLimitsDeclared(Limiter.Shape shape) {
        VirtualUpstream.Outcome declared =
                new VirtualUpstream(shape, true, LimitsConfig.defaults(), 2).run(TASKS, CLIENTS);
        assertThat(declared.rateLimited()).isZero();
        assertThat(declared.capacityRatio()).isGreaterThanOrEqualTo(0.95);
    }

    /**
     * What a 429 says of when to come back, as the goodput benchmark's reset_* variants meet it on a token bucket:
     * OpenAI's full bucket, the next token beside a paid model that says whole seconds only (where Rotor once spent
     * 0.83 429s per task), whole seconds alone, and nothing. A 429 that says nothing at all leaves only the runs
     * between refusals to learn from, and the cooldowns are guesses; it is held to a looser bound (it measures 0.12 to
     * 0.27 by seed, where it measured 0.33 before runs that kept falling short shrank the burst).
     */
    @ParameterizedTest
    @CsvSource({
        "FULL_MS, FULL_MS, 0.10",
        "NEXT_FREE_MS, SECONDS_ONLY, 0.10",
        "SECONDS_ONLY, SECONDS_ONLY, 0.10",
        "NOTHING, NOTHING, 0.10"
    })
    void shouldConvergeWhateverA429sResetMeans(
            VirtualUpstream.Telling pool, VirtualUpstream.Telling paid, double most429sPerTask) {
        for (long seed = 1; seed <= SEEDS; seed++) {
            VirtualUpstream.Outcome learned = new VirtualUpstream(
                            Limiter.Shape.BUCKET, false, LimitsConfig.defaults(), seed, pool, paid)
                    .run(TASKS, CLIENTS);
            VirtualUpstream.Outcome declared = new VirtualUpstream(
                            Limiter.Shape.BUCKET, true, LimitsConfig.defaults(), seed, pool, paid)
                    .run(TASKS, CLIENTS);
            System.out.println(pool + "/" + paid + " seed " + seed + ": learned " + learned + "; declared " + declared);
            assertThat(learned.completed()).isEqualTo(TASKS);
            assertThat(learned.rateLimitedPerTask()).isLessThanOrEqualTo(most429sPerTask);
            assertThat(learned.elapsedMs())
                    .as("time to finish, against declared limits' %s ms", declared.elapsedMs())
                    .isLessThanOrEqualTo(declared.elapsedMs() * 105 / 100);
        }
    }
}
