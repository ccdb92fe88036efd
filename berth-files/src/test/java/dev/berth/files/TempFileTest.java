package dev.berth.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TempFileTest {

    @TempDir
    Path parent;

    @Test
    void scopeCreatesAnEmptyFileOnEnterAndDeletesItOnExit() throws Exception {
        TempFile scope = TempFile.of(parent, "part-", ".bin");
        assertThat(parent).isEmptyDirectory();

        Path file = scope.enter();
        assertThat(file).isEmptyFile().hasParent(parent);
        assertThat(file.getFileName().toString()).startsWith("part-").endsWith(".bin");
        Files.writeString(file, "data");

        scope.exit(null);
        assertThat(parent).isEmptyDirectory();
    }

    @Test
    void deletedWhenTheBodyFails() {
        Path[] created = new Path[1];

        assertThatThrownBy(() -> {
            try (TempFile part = TempFile.create(parent, "upload-", "")) {
                created[0] = part.path();
                FileCopy.from(FileCopyFailureTest.failingAfter(1000)).to(part.path()).replaceExisting().run();
            }
        }).isInstanceOf(IOException.class).hasMessageContaining("Connection reset");

        assertThat(created[0]).doesNotExist();
        assertThat(parent).isEmptyDirectory();
    }

    @Test
    void fileTheBodyReplacedWithADirectoryIsDeletedWithItsContent() throws Exception {
        try (TempFile part = TempFile.create(parent, "swap-", "")) {
            Files.delete(part.path());
            Files.createDirectories(part.path().resolve("x"));
            Files.writeString(part.path().resolve("x/y.txt"), "y");
        }
        assertThat(parent).isEmptyDirectory();
    }

    @Test
    void fileTheBodyMovedAwayIsFine() throws Exception {
        Path kept = parent.resolve("kept.txt");
        try (TempFile part = TempFile.create(parent, "move-", "")) {
            Files.writeString(part.path(), "result");
            Files.move(part.path(), kept);
        }
        assertThat(kept).hasContent("result");
    }

    @Test
    void deletionFailureIsReported() throws Exception {
        TempFile scope = new TempFile(parent, "stuck-", "", path -> {
            throw new IOException("Device or resource busy");
        });
        Path file = scope.enter();

        assertThatThrownBy(scope::close)
                .isInstanceOfSatisfying(TempDeletionException.class, e -> assertThat(e.undeleted()).containsExactly(file))
                .hasMessageContaining("Device or resource busy");
        assertThat(file).exists();
    }
}
