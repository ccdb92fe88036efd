package dev.berth.files;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * A temporary file or directory could not be deleted completely when its scope ended. Lists what is left; each
 * underlying failure is attached with {@link #addSuppressed(Throwable)}. Deletion carries on past a failure, so
 * everything else is gone.
 *
 * {@snippet :
 * try (TempDirectory work = TempDirectory.create("import-")) {
 *     unpack(archive, work.path());
 * } catch (TempDeletionException e) {
 *     alerts.warn("disk space leak: " + e.undeleted());
 * }
 * }
 */
public final class TempDeletionException extends IOException {

    private static final long serialVersionUID = 1L;

    private final transient List<Path> undeleted;

    TempDeletionException(Path root, List<Path> undeleted, List<IOException> causes) {
        super("Could not delete " + undeleted.size() + (undeleted.size() == 1 ? " path" : " paths")
                + " of the temporary " + root + " when its scope ended: " + summary(undeleted, causes)
                + ". Delete them by hand and check what holds them (open files on Windows, permissions, mounts)");
        this.undeleted = List.copyOf(undeleted);
        causes.forEach(this::addSuppressed);
    }

    /**
     * What is left on disk.
     *
     * @return the paths that could not be deleted, children before their directories
     */
    public List<Path> undeleted() {
        return undeleted;
    }

    private static String summary(List<Path> undeleted, List<IOException> causes) {
        StringBuilder text = new StringBuilder();
        int shown = Math.min(3, undeleted.size());
        for (int i = 0; i < shown; i++) {
            if (i > 0) {
                text.append("; ");
            }
            IOException cause = causes.get(i);
            text.append(undeleted.get(i)).append(" (").append(cause.getClass().getSimpleName());
            if (cause.getMessage() != null && !cause.getMessage().equals(undeleted.get(i).toString())) {
                text.append(": ").append(cause.getMessage());
            }
            text.append(')');
        }
        if (undeleted.size() > shown) {
            text.append(" and ").append(undeleted.size() - shown).append(" more");
        }
        return text.toString();
    }
}
