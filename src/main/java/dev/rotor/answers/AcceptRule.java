package dev.rotor.answers;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Pattern;

/** A task's own check on its answer's text: a pattern it must contain, and bounds on its length. */
public record AcceptRule(Optional<Pattern> regex, OptionalInt minChars, OptionalInt maxChars) {

    /** Empty when the text passes; else what is wrong with it. */
    public Optional<String> problemWith(String text) {
        if (minChars.isPresent() && text.length() < minChars.getAsInt()) {
            return Optional.of("the answer is " + text.length() + " characters, fewer than the " + minChars.getAsInt()
                    + " asked for");
        }
        if (maxChars.isPresent() && text.length() > maxChars.getAsInt()) {
            return Optional.of("the answer is " + text.length() + " characters, more than the " + maxChars.getAsInt()
                    + " allowed");
        }
        if (regex.isPresent() && !regex.get().matcher(text).find()) {
            return Optional.of(
                    "the answer does not match the pattern " + regex.get().pattern());
        }
        return Optional.empty();
    }
}
