package dev.rotor.chat.stream;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;

/**
 * Reads server-sent events off a chat stream: {@code data:} lines joined until a blank line, {@code :} comments each an
 * event of their own; {@code event:}, {@code id:} and {@code retry:} fields are not used by chat streams and are
 * skipped.
 */
public final class SseReader implements Closeable {

    private final InputStream in;
    private final BufferedReader lines;

    public SseReader(InputStream in) {
        this.in = in;
        this.lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
    }

    /** The next event, or null when the stream ended. */
    public SseEvent next() throws IOException {
        StringBuilder data = null;
        String line;
        while ((line = lines.readLine()) != null) {
            if (line.isEmpty()) {
                if (data != null) {
                    return new SseEvent(SseEvent.Kind.DATA, data.toString());
                }
                continue;
            }
            if (line.startsWith(":")) {
                if (data == null) {
                    return new SseEvent(SseEvent.Kind.COMMENT, line.substring(1).strip());
                }
                continue;
            }
            if (line.startsWith("data:")) {
                String value = line.substring(5);
                value = value.startsWith(" ") ? value.substring(1) : value;
                data = data == null
                        ? new StringBuilder(value)
                        : data.append('\n').append(value);
            }
        }
        // a last event not closed by a blank line still counts
        return data == null ? null : new SseEvent(SseEvent.Kind.DATA, data.toString());
    }

    /** Closes the stream; a thread blocked reading it gets an IOException. */
    @Override
    public void close() {
        try {
            in.close();
        } catch (IOException ignored) {
            // closing is all we want
        }
    }
}
