package dev.rotor.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SeamTest {

    private static String join(String sent, List<String> continuation) {
        Seam seam = new Seam(sent);
        StringBuilder out = new StringBuilder(sent);
        continuation.forEach(c -> out.append(seam.next(c)));
        return out.append(seam.end()).toString();
    }

    @Test
    void shouldDropTheWhitespaceTheContinuationSaysAgainAfterAPrefillSentWithoutIt() {
        assertThat(join("The answer is ", List.of(" forty", "-two."))).isEqualTo("The answer is forty-two.");
    }

    @Test
    void shouldJoinAContinuationThatGoesOnAtOnce() {
        assertThat(join("The answer is", List.of(" forty", "-two."))).isEqualTo("The answer is forty-two.");
        assertThat(join("The answer is ", List.of("forty-two."))).isEqualTo("The answer is forty-two.");
    }

    @Test
    void shouldDropTheLastWordsTheContinuationRepeats() {
        assertThat(join("Rotor rotates to the next model ", List.of("the next ", "model when ", "a limit is hit.")))
                .isEqualTo("Rotor rotates to the next model when a limit is hit.");
    }

    @Test
    void shouldDropAWholeAnswerTheContinuationStartsAgain() {
        String sent = "x".repeat(300) + " and then ";
        assertThat(join(sent, List.of(sent.substring(0, 150), sent.substring(150), "the end.")))
                .isEqualTo(sent + "the end.");
    }

    @Test
    void shouldKeepAShortOverlapThatIsLikelyChance() {
        // "is" ends the sent text and starts the continuation, but a two-letter repeat is no evidence of one
        assertThat(join("The answer is", List.of("is", "n't known."))).isEqualTo("The answer isisn't known.");
    }

    @Test
    void shouldSendHeldTextWhenTheContinuationEndsWhileItIsStillHeld() {
        Seam seam = new Seam("one two three ");
        assertThat(seam.next(" two")).isEmpty();
        assertThat(seam.end()).isEqualTo("two");
        assertThat(seam.next(" more")).isEqualTo(" more");
    }
}
