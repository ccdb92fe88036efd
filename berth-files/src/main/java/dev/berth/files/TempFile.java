package dev.berth.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * A temporary file that lives exactly as long as its scope: created empty on enter, deleted on exit, also when the
 * body fails or the thread is interrupted. If the body replaced it with a directory, the directory is deleted with
 * its content. A deletion that fails is reported with a {@link TempDeletionException}, never swallowed.
 *
 * {@snippet :
 * try (TempFile part = TempFile.create("upload-", ".bin")) {
 *     FileCopy.from(request.body()).to(part.path()).replaceExisting().run();
 *     scan(part.path());
 * } // deleted here, whatever happened
 * }
 *
 * <p>As a {@link dev.berth.scope.Scope}, for {@code Scopes.using}: {@code TempFile.of("upload-", ".bin")} is not created until
 * {@link #enter()}. Not thread-safe, like any scope: one caller enters and exits it; {@link #close()} is idempotent.
 */
public final class TempFile extends TempScope {

    TempFile(Path parent, String prefix, String suffix, TreeDeletion.Deleter deleter) {
        super(new TempPath("TempFile", "file", prefix, () -> parent == null
                ? Files.createTempFile(prefix, suffix)
                : Files.createTempFile(parent, prefix, suffix), deleter));
        Objects.requireNonNull(suffix, "suffix");
    }

    /**
     * A scope for a temporary file in the default temporary-file directory ({@code java.io.tmpdir}); nothing is
     * created before {@link #enter()}.
     *
     * @param prefix the start of the file's name, e.g. {@code "upload-"}
     * @param suffix the end of the file's name, e.g. {@code ".bin"}; may be empty
     * @return a scope not yet entered
     */
    public static TempFile of(String prefix, String suffix) {
        return new TempFile(null, prefix, suffix, TreeDeletion.FILES);
    }

    /**
     * A scope for a temporary file in {@code parent}; nothing is created before {@link #enter()}. Choose a parent
     * on the same file system as the final destination, so moving the file there is an atomic rename.
     *
     * @param parent the directory to create it in
     * @param prefix the start of the file's name
     * @param suffix the end of the file's name; may be empty
     * @return a scope not yet entered
     */
    public static TempFile of(Path parent, String prefix, String suffix) {
        return new TempFile(Objects.requireNonNull(parent, "parent"), prefix, suffix, TreeDeletion.FILES);
    }

    /**
     * Creates a temporary file in {@code java.io.tmpdir} now, for try-with-resources.
     *
     * @param prefix the start of the file's name
     * @param suffix the end of the file's name; may be empty
     * @return the entered scope; {@link #path()} is the file
     * @throws IOException when the file cannot be created
     */
    public static TempFile create(String prefix, String suffix) throws IOException {
        TempFile file = of(prefix, suffix);
        file.enter();
        return file;
    }

    /**
     * Creates a temporary file in {@code parent} now, for try-with-resources.
     *
     * @param parent the directory to create it in
     * @param prefix the start of the file's name
     * @param suffix the end of the file's name; may be empty
     * @return the entered scope; {@link #path()} is the file
     * @throws IOException when the file cannot be created
     */
    public static TempFile create(Path parent, String prefix, String suffix) throws IOException {
        TempFile file = of(parent, prefix, suffix);
        file.enter();
        return file;
    }
}
