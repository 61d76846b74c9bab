package dev.rotor.output;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OutputFoldersTest {

    @TempDir
    Path dir;

    @Test
    void shouldCreateAWritableFolderAndLeaveNothingInIt() throws Exception {
        Path outbox = dir.resolve("work/outbox");

        OutputFolders.checkWritable(outbox, "rotor.outbox.dir");

        assertThat(outbox).isDirectory();
        try (var left = Files.list(outbox)) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void shouldNameTheSettingWhenAFileStandsWhereTheFolderShouldBe() throws Exception {
        Files.writeString(dir.resolve("outbox"), "not a folder");

        assertThatThrownBy(
                        () -> OutputFolders.checkWritable(dir.resolve("outbox").resolve("results"), "rotor.outbox.dir"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("rotor.outbox.dir is "
                        + dir.resolve("outbox").resolve("results") + ", where Rotor cannot write and rename a file (")
                .hasMessageContaining("Not a directory");
    }

    @Test
    void shouldMoveAFileFromTheInboxToItsDoneFolder() throws Exception {
        Path inbox = dir.resolve("inbox");

        OutputFolders.checkMovable(inbox, inbox.resolve(".done"), "rotor.inbox.dir");

        try (var left = Files.list(inbox.resolve(".done"))) {
            assertThat(left).isEmpty();
        }
    }

    @Test
    void shouldRefuseAnInboxWhoseDoneFolderCannotBeMade() throws Exception {
        Path inbox = Files.createDirectories(dir.resolve("inbox"));
        Files.writeString(inbox.resolve(".done"), "a file where the done folder goes");

        assertThatThrownBy(() -> OutputFolders.checkMovable(inbox, inbox.resolve(".done"), "rotor.inbox.dir"))
                .hasMessageStartingWith("rotor.inbox.dir is " + inbox);
        try (var left = Files.list(inbox)) {
            assertThat(left).as("the check leaves no file behind").containsExactly(inbox.resolve(".done"));
        }
    }
}
