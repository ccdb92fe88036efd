package dev.berth.files;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/**
 * The life of a temporary path, shared by {@link TempFile} and {@link TempDirectory}: created once on enter,
 * deleted with anything below it once on exit. The public classes keep only how the path is made and what they
 * promise about it; the messages name the public type, so a caller never sees this class.
 *
 * <p>Not thread-safe, like the scopes it serves.
 */
final class TempPath {

    /** Makes the path on the file system; called once, from {@link #enter()}. */
    interface Creator {
        Path create() throws IOException;
    }

    private final String type;
    private final String kind;
    private final String prefix;
    private final Creator creator;
    private final TreeDeletion.Deleter deleter;
    private Path path;
    private boolean exited;

    /**
     * @param type the public class, for messages ({@code "TempFile"})
     * @param kind what the path is, for messages ({@code "file"})
     */
    TempPath(String type, String kind, String prefix, Creator creator, TreeDeletion.Deleter deleter) {
        this.type = type;
        this.kind = kind;
        this.prefix = Objects.requireNonNull(prefix, "prefix");
        this.creator = creator;
        this.deleter = deleter;
    }

    Path enter() throws IOException {
        if (path != null) {
            throw new IllegalStateException("The temporary " + kind + " " + path + " was already created;"
                    + " a " + type + " is entered once, make a new one with " + type + ".of");
        }
        path = creator.create();
        return path;
    }

    Path path() {
        if (path == null) {
            throw new IllegalStateException("The temporary " + kind + " with prefix '" + prefix
                    + "' does not exist yet: call enter() first, or use " + type + ".create");
        }
        return path;
    }

    /** Deletes the path and anything below it; does nothing the second time or before {@link #enter()}. */
    void delete() throws TempDeletionException {
        if (path != null && !exited) {
            exited = true;
            TreeDeletion.deleteTree(path, deleter);
        }
    }

    @Override
    public String toString() {
        return type + "[" + (path != null ? path : "not created, prefix '" + prefix + "'")
                + (exited ? ", deleted" : "") + "]";
    }
}
