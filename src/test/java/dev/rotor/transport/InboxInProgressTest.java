package dev.rotor.transport;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InboxInProgressTest {

    @TempDir
    Path inbox;

    @Test
    void shouldHoldAFileOnceWhileItsTaskRuns() throws Exception {
        Path task = Files.writeString(inbox.resolve("a.json"), "{}");
        InboxInProgress inProgress = new InboxInProgress();

        assertThat(inProgress.add(task.toString())).isTrue();
        assertThat(inProgress.add(task.toString())).isFalse();
        assertThat(inProgress.contains(task.toString())).isTrue();
    }

    @Test
    void shouldNotTakeAgainAFileThatAFinishedTaskMovedAwayBeforeLettingGo() throws Exception {
        Path task = Files.writeString(inbox.resolve("a.json"), "{}");
        InboxInProgress inProgress = new InboxInProgress();
        inProgress.add(task.toString());

        // as the first take's commit does: the move to .done, then the path let go
        Files.createDirectories(inbox.resolve(".done"));
        Files.move(task, inbox.resolve(".done/a.json"));
        inProgress.remove(task.toString());

        // a listing taken before the move still names the file
        assertThat(inProgress.add(task.toString())).isFalse();
        assertThat(inProgress.contains(task.toString())).isFalse();
    }

    @Test
    void shouldTakeANewFileOfTheSameNameOnceTheFirstIsDone() throws Exception {
        Path task = Files.writeString(inbox.resolve("a.json"), "{}");
        InboxInProgress inProgress = new InboxInProgress();
        inProgress.add(task.toString());
        Files.delete(task);
        inProgress.remove(task.toString());

        Files.writeString(task, "{\"prompt\":\"again\"}");

        assertThat(inProgress.add(task.toString())).isTrue();
    }
}
