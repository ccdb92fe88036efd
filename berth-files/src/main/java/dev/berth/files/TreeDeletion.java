package dev.berth.files;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * Deletes a file or a directory with all its content, carrying on past failures and reporting them all at the end.
 * Symbolic links are deleted, never followed, so a link inside a temporary directory cannot make it delete
 * anything outside.
 */
final class TreeDeletion {

    /** Deletes one path; replaced in tests to make a deletion fail (running as root, permissions do not). */
    @FunctionalInterface
    interface Deleter {
        void delete(Path path) throws IOException;
    }

    static final Deleter FILES = Files::delete;

    private TreeDeletion() {
    }

    /**
     * Deletes {@code root} and everything under it; a root that is already gone is fine.
     *
     * @throws TempDeletionException listing every path left behind
     */
    static void deleteTree(Path root, Deleter deleter) throws TempDeletionException {
        List<Path> undeleted = new ArrayList<>();
        List<IOException> causes = new ArrayList<>();
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) {
                    delete(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path file, IOException failure) {
                    if (!(failure instanceof NoSuchFileException)) {
                        undeleted.add(file);
                        causes.add(failure);
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path directory, IOException failure) {
                    if (failure != null) {
                        undeleted.add(directory);
                        causes.add(failure);
                    } else {
                        delete(directory);
                    }
                    return FileVisitResult.CONTINUE;
                }

                private void delete(Path path) {
                    try {
                        deleter.delete(path);
                    } catch (NoSuchFileException gone) {
                        // Already deleted, by the body or by someone else: the goal is reached.
                    } catch (IOException failure) {
                        undeleted.add(path);
                        causes.add(failure);
                    }
                }
            });
        } catch (IOException failure) {
            // walkFileTree only throws what the visitor throws, and this visitor throws nothing.
            undeleted.add(root);
            causes.add(failure);
        }
        if (!undeleted.isEmpty()) {
            throw new TempDeletionException(root, undeleted, causes);
        }
    }
}
