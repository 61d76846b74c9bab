package dev.rotor.limits;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.rotor.simulator.Limiter;

class LearnedPacingTest {

    @ParameterizedTest
    @EnumSource(Limiter.Shape.class)
    void shouldUseTheCapacityWithFew429sWhenNothingIsDeclared(Limiter.Shape shape) {
        VirtualUpstream.Outcome learned = new VirtualUpstream(shape, false, LimitsConfig.defaults()).run(1000, 16);
        VirtualUpstream.Outcome declared = new VirtualUpstream(shape, true, LimitsConfig.defaults()).run(1000, 16);
        VirtualUpstream.Outcome herd = new VirtualUpstream(shape, false, new LimitsConfig(true, false)).run(1000, 16);
        System.out.println(shape + " learned:  " + learned);
        System.out.println(shape + " declared: " + declared);
        System.out.println(shape + " herd:     " + herd);
        assertThat(learned.completed()).isEqualTo(1000);
    }
}
