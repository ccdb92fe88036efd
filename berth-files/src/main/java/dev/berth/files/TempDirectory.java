package dev.berth.files;

import dev.berth.scope.AsyncScope;
import dev.berth.scope.Scope;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.Executor;

/**
 * A temporary directory that lives exactly as long as its scope: created on enter, deleted with all its content
 * on exit, also when the body fails or the thread is interrupted. A deletion that fails is reported with a
 * {@link TempDeletionException} (attached as suppressed when the body failed too), never swallowed.
 *
 * {@snippet :
 * try (TempDirectory work = TempDirectory.create("thumbnails-")) {
 *     Path small = work.path().resolve("small.png");
 *     render(image, small);
 *     upload(small);
 * } // the directory and everything in it are gone here
 * }
 *
 * <p>As a {@link Scope}, for {@code Scopes.using}: {@code TempDirectory.of("thumbnails-")} is not created until
 * {@link #enter()}. Deletion walks the tree without following symbolic links, so a link inside cannot make it
 * delete anything outside.
 *
 * <p>Not thread-safe, like any scope: one caller enters and exits it; {@link #close()} is idempotent.
 */
public final class TempDirectory implements Scope<Path>, AutoCloseable {

    private final TempPath temp;

    TempDirectory(Path parent, String prefix, TreeDeletion.Deleter deleter) {
        this.temp = new TempPath("TempDirectory", "directory", prefix, () -> parent == null
                ? Files.createTempDirectory(prefix)
                : Files.createTempDirectory(parent, prefix), deleter);
    }

    /**
     * A scope for a temporary directory in the default temporary-file directory ({@code java.io.tmpdir});
     * nothing is created before {@link #enter()}.
     *
     * @param prefix the start of the directory's name, e.g. {@code "upload-"}
     * @return a scope not yet entered
     */
    public static TempDirectory of(String prefix) {
        return new TempDirectory(null, prefix, TreeDeletion.FILES);
    }

    /**
     * A scope for a temporary directory in {@code parent}; nothing is created before {@link #enter()}.
     * Choose a parent on the same file system as where results go, so moving them out is a rename.
     *
     * @param parent the directory to create it in
     * @param prefix the start of the directory's name
     * @return a scope not yet entered
     */
    public static TempDirectory of(Path parent, String prefix) {
        return new TempDirectory(Objects.requireNonNull(parent, "parent"), prefix, TreeDeletion.FILES);
    }

    /**
     * Creates a temporary directory in {@code java.io.tmpdir} now, for try-with-resources.
     *
     * @param prefix the start of the directory's name
     * @return the entered scope; {@link #path()} is the directory
     * @throws IOException when the directory cannot be created
     */
    public static TempDirectory create(String prefix) throws IOException {
        TempDirectory directory = of(prefix);
        directory.enter();
        return directory;
    }

    /**
     * Creates a temporary directory in {@code parent} now, for try-with-resources.
     *
     * @param parent the directory to create it in
     * @param prefix the start of the directory's name
     * @return the entered scope; {@link #path()} is the directory
     * @throws IOException when the directory cannot be created
     */
    public static TempDirectory create(Path parent, String prefix) throws IOException {
        TempDirectory directory = of(parent, prefix);
        directory.enter();
        return directory;
    }

    /**
     * Creates the directory.
     *
     * @return its path
     * @throws IOException when it cannot be created (the parent is missing or not writable)
     * @throws IllegalStateException when this scope was already entered
     */
    @Override
    public Path enter() throws IOException {
        return temp.enter();
    }

    /**
     * The directory.
     *
     * @return its path
     * @throws IllegalStateException before {@link #enter()}
     */
    public Path path() {
        return temp.path();
    }

    /**
     * Deletes the directory and all its content; never suppresses the body's failure.
     *
     * @param failure the body's failure, or {@code null}
     * @return {@code false}
     * @throws TempDeletionException when something could not be deleted; the rest is deleted
     */
    @Override
    public boolean exit(Throwable failure) throws TempDeletionException {
        temp.delete();
        return false;
    }

    /**
     * Deletes the directory and all its content, like {@code exit(null)}; does nothing the second time or before
     * {@link #enter()}.
     *
     * @throws TempDeletionException when something could not be deleted; the rest is deleted
     */
    @Override
    public void close() throws TempDeletionException {
        exit(null);
    }

    /**
     * This scope as an {@link AsyncScope}: creation and deletion run on {@code executor}, so an event loop never
     * blocks on the disk.
     *
     * @param executor where the file-system calls run
     * @return an async view of this scope, entered and exited once
     */
    public AsyncScope<Path> async(Executor executor) {
        return new BlockingAsyncScope<>(this, executor);
    }

    @Override
    public String toString() {
        return temp.toString();
    }
}
