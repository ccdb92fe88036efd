package dev.berth.files;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Path;
import java.util.OptionalLong;

/** The two ends of a copy: where bytes come from and where they go. */
final class CopyEnds {

    private CopyEnds() {
    }

    /** Where a copy reads from. Only {@link FromPath} is opened and closed by the copy. */
    sealed interface Source {

        /** The number of bytes the copy will read, when knowable without reading. */
        OptionalLong size() throws IOException;

        /** Names the source in messages. */
        String describe();
    }

    record FromPath(Path path) implements Source {
        @Override
        public OptionalLong size() throws IOException {
            return OptionalLong.of(java.nio.file.Files.size(path));
        }

        @Override
        public String describe() {
            return path.toString();
        }
    }

    record FromStream(InputStream in) implements Source {
        @Override
        public OptionalLong size() {
            return OptionalLong.empty();
        }

        @Override
        public String describe() {
            return "an input stream (" + in.getClass().getName() + ")";
        }
    }

    record FromChannel(ReadableByteChannel channel) implements Source {
        @Override
        public OptionalLong size() throws IOException {
            if (channel instanceof SeekableByteChannel seekable) {
                return OptionalLong.of(Math.max(0, seekable.size() - seekable.position()));
            }
            return OptionalLong.empty();
        }

        @Override
        public String describe() {
            return "a channel (" + channel.getClass().getName() + ")";
        }
    }

    /** Where a copy writes to. Only {@link ToPath} is written atomically (temporary sibling, then a move). */
    sealed interface Target {

        /** Names the target in messages. */
        String describe();
    }

    record ToPath(Path path) implements Target {
        @Override
        public String describe() {
            return path.toString();
        }
    }

    record ToStream(OutputStream out) implements Target {
        @Override
        public String describe() {
            return "an output stream (" + out.getClass().getName() + ")";
        }
    }

    record ToChannel(WritableByteChannel channel) implements Target {
        @Override
        public String describe() {
            return "a channel (" + channel.getClass().getName() + ")";
        }
    }

    /** Opens the temporary sibling a path copy writes into; replaced in tests to simulate a full disk. */
    @FunctionalInterface
    interface TempOpener {
        WritableByteChannel open(Path temp) throws IOException;
    }
}
