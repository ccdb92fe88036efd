package dev.berth.files;

import dev.berth.scope.AsyncScope;
import dev.berth.scope.Scope;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Executor;

/**
 * What {@link TempFile} and {@link TempDirectory} share: a temporary path that lives exactly as long as its scope,
 * created on {@link #enter()} and deleted on {@link #exit}, also when the body fails or the thread is interrupted.
 * A deletion that fails is reported with a {@link TempDeletionException}, never swallowed.
 *
 * {@snippet :
 * try (TempFile part = TempFile.create("upload-", ".bin")) {
 *     FileCopy.from(request.body()).to(part.path()).replaceExisting().run();
 * } // deleted here, whatever happened
 * }
 *
 * <p>Not thread-safe, like any scope: one caller enters and exits it; {@link #close()} is idempotent.
 */
public abstract sealed class TempScope implements Scope<Path>, AutoCloseable permits TempFile, TempDirectory {
    private final TempPath temp;

    TempScope(TempPath temp) {
        this.temp = temp;
    }

    /**
     * Creates the file (empty, readable and writable by its owner only) or the directory.
     *
     * @return its path
     * @throws IOException when it cannot be created (the parent is missing or not writable)
     * @throws IllegalStateException when this scope was already entered
     */
    @Override
    public final Path enter() throws IOException {
        return temp.enter();
    }

    /**
     * The file or directory.
     *
     * @return its path
     * @throws IllegalStateException before {@link #enter()}
     */
    public final Path path() {
        return temp.path();
    }

    /**
     * Deletes the file, or the directory with all its content; never suppresses the body's failure. A path the
     * body already deleted or moved away is fine; a directory is walked without following symbolic links.
     *
     * @param failure the body's failure, or {@code null}
     * @return {@code false}
     * @throws TempDeletionException when something could not be deleted; the rest is deleted
     */
    @Override
    public final boolean exit(Throwable failure) throws TempDeletionException {
        temp.delete();
        return false;
    }

    /**
     * Deletes, like {@code exit(null)}; does nothing the second time or before {@link #enter()}.
     *
     * @throws TempDeletionException when something could not be deleted; the rest is deleted
     */
    @Override
    public final void close() throws TempDeletionException {
        exit(null);
    }

    /**
     * This scope as an {@link AsyncScope}: creation and deletion run on {@code executor}, so an event loop never
     * blocks on the disk.
     *
     * @param executor where the file-system calls run
     * @return an async view of this scope, entered and exited once
     */
    public final AsyncScope<Path> async(Executor executor) {
        return new BlockingAsyncScope<>(this, executor);
    }

    @Override
    public final String toString() {
        return temp.toString();
    }
}
