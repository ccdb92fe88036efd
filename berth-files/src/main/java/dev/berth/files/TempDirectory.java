package dev.berth.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

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
 * <p>As a {@link dev.berth.scope.Scope}, for {@code Scopes.using}: {@code TempDirectory.of("thumbnails-")} is not created until
 * {@link #enter()}. Deletion walks the tree without following symbolic links, so a link inside cannot make it
 * delete anything outside.
 *
 * <p>Not thread-safe, like any scope: one caller enters and exits it; {@link #close()} is idempotent.
 */
public final class TempDirectory extends TempScope {

    TempDirectory(Path parent, String prefix, TreeDeletion.Deleter deleter) {
        super(new TempPath("TempDirectory", "directory", prefix, () -> parent == null
                ? Files.createTempDirectory(prefix)
                : Files.createTempDirectory(parent, prefix), deleter));
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
}
