package dev.berth.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TempDirectoryTest {

    @TempDir
    Path parent;

    private static void fill(Path root) throws IOException {
        Files.writeString(root.resolve("top.txt"), "top");
        Path nested = Files.createDirectories(root.resolve("a/b/c"));
        Files.writeString(nested.resolve("deep.txt"), "deep");
        Files.createDirectories(root.resolve("empty/dir"));
    }

    @Test
    void scopeCreatesOnEnterAndDeletesNestedContentOnExit() throws Exception {
        TempDirectory scope = TempDirectory.of(parent, "work-");
        assertThat(parent).isEmptyDirectory();

        Path root = scope.enter();
        assertThat(root).isDirectory().hasParent(parent);
        assertThat(root.getFileName().toString()).startsWith("work-");
        fill(root);

        assertThat(scope.exit(null)).isFalse();
        assertThat(parent).isEmptyDirectory();
    }

    @Test
    void tryWithResourcesDeletesWhenTheBodyFailsAndKeepsTheBodysFailure() {
        Path[] created = new Path[1];

        assertThatThrownBy(() -> {
            try (TempDirectory work = TempDirectory.create(parent, "failing-")) {
                created[0] = work.path();
                fill(work.path());
                throw new IllegalStateException("body failed");
            }
        }).isInstanceOf(IllegalStateException.class).hasMessage("body failed").hasNoSuppressedExceptions();

        assertThat(created[0]).doesNotExist();
    }

    @Test
    void deletesWhenTheThreadWasInterruptedAndKeepsTheInterrupt() throws Exception {
        CompletableFuture<Boolean> stillInterrupted = new CompletableFuture<>();
        Path[] created = new Path[1];
        Thread worker = Thread.ofVirtual().start(() -> {
            try (TempDirectory work = TempDirectory.create(parent, "interrupted-")) {
                created[0] = work.path();
                fill(work.path());
                Thread.currentThread().interrupt();
                new java.util.concurrent.CountDownLatch(1).await(); // throws at once: the thread is interrupted
            } catch (InterruptedException expected) {
                Thread.currentThread().interrupt();
            } catch (IOException e) {
                stillInterrupted.completeExceptionally(e);
            }
            stillInterrupted.complete(Thread.currentThread().isInterrupted());
        });
        worker.join();

        assertThat(stillInterrupted.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(created[0]).doesNotExist();
    }

    @Test
    void deletionFailureIsReportedWithWhatIsLeftAndTheRestIsDeleted() throws Exception {
        // Tests run as root, where permissions block no deletion; a deleter that refuses one file stands in
        // for a file another process holds open (Windows) or a read-only mount.
        TreeDeletion.Deleter refusesDeep = path -> {
            if (path.getFileName().toString().equals("deep.txt")) {
                throw new java.nio.file.AccessDeniedException(path.toString(), null, "held by another process");
            }
            Files.delete(path);
        };
        TempDirectory scope = new TempDirectory(parent, "stuck-", refusesDeep);
        Path root = scope.enter();
        fill(root);

        assertThatThrownBy(() -> scope.exit(null))
                .isInstanceOfSatisfying(TempDeletionException.class, e -> {
                    assertThat(e.undeleted()).startsWith(root.resolve("a/b/c/deep.txt")).endsWith(root);
                    assertThat(e.getSuppressed()).hasSize(e.undeleted().size());
                })
                .hasMessageContaining("deep.txt (AccessDeniedException")
                .hasMessageContaining("held by another process")
                .hasMessageContaining("Delete them by hand");
        assertThat(root.resolve("top.txt")).doesNotExist();
        assertThat(root.resolve("empty")).doesNotExist();
        assertThat(root.resolve("a/b/c/deep.txt")).exists();
    }

    @Test
    void deletionFailureIsAttachedToTheBodysFailure() throws Exception {
        TreeDeletion.Deleter refusesAll = path -> {
            throw new IOException("device busy");
        };

        assertThatThrownBy(() -> {
            try (TempDirectory work = new TempDirectory(parent, "both-", refusesAll)) {
                work.enter();
                throw new IllegalStateException("body failed");
            }
        }).hasMessage("body failed")
                .satisfies(e -> assertThat(e.getSuppressed()).singleElement().isInstanceOf(TempDeletionException.class));
    }

    @Test
    void symbolicLinksAreDeletedNotFollowed() throws Exception {
        Path outside = Files.createDirectory(parent.resolve("outside"));
        Files.writeString(outside.resolve("precious.txt"), "keep");

        try (TempDirectory work = TempDirectory.create(parent, "links-")) {
            Files.createSymbolicLink(work.path().resolve("link-to-outside"), outside);
        }

        assertThat(outside.resolve("precious.txt")).hasContent("keep");
        try (var entries = Files.list(parent)) {
            assertThat(entries).containsExactly(outside);
        }
    }

    @Test
    void directoryTheBodyAlreadyDeletedIsFine() throws Exception {
        try (TempDirectory work = TempDirectory.create(parent, "gone-")) {
            Files.delete(work.path());
        }
        assertThat(parent).isEmptyDirectory();
    }

    @Test
    void closeIsIdempotentAndEnteringTwiceIsRefused() throws Exception {
        TempDirectory work = TempDirectory.create(parent, "once-");
        assertThatThrownBy(work::enter).isInstanceOf(IllegalStateException.class).hasMessageContaining("entered once");

        work.close();
        work.close();

        assertThat(work.toString()).contains("deleted");
        assertThat(parent).isEmptyDirectory();
    }

    @Test
    void pathBeforeEnterSaysHowToCreateIt() {
        assertThatThrownBy(() -> TempDirectory.of("early-").path())
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("call enter() first");
    }

    @Test
    void asyncScopeCreatesAndDeletesOnTheExecutor() throws Exception {
        var scope = TempDirectory.of(parent, "async-").async(Runnable::run);

        Path root = scope.enter().toCompletableFuture().get(10, TimeUnit.SECONDS);
        fill(root);
        boolean suppressed = scope.exit(null).toCompletableFuture().get(10, TimeUnit.SECONDS);

        assertThat(suppressed).isFalse();
        assertThat(parent).isEmptyDirectory();
    }
}
