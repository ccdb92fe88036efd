package dev.berth.files;

import java.io.UncheckedIOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.file.Path;

/**
 * A line of a text file holds bytes that are not valid in the charset it is read with. Thrown by
 * {@link LineReader} (unchecked, as iterators cannot throw checked exceptions) and signalled by
 * {@link Lines#publisher(Path, Charset)}; the lines before the bad one have been delivered.
 *
 * {@snippet :
 * try (LineReader lines = Lines.open(path, StandardCharsets.UTF_8)) {
 *     lines.forEachRemaining(this::importRow);
 * } catch (MalformedLineException e) {
 *     log.warn("{} is not UTF-8 from line {} on", e.path(), e.lineNumber());
 * }
 * }
 */
public final class MalformedLineException extends UncheckedIOException {

    private static final long serialVersionUID = 1L;

    private final transient Path path;
    /** The line holding the bad bytes, from 1. */
    private final long lineNumber;
    /** Where the bad bytes start in the file, from 0. */
    private final long byteOffset;

    MalformedLineException(Path path, Charset charset, long lineNumber, long byteOffset, CharacterCodingException cause) {
        super(path + " line " + lineNumber + " is not valid " + charset.name() + " ("
                + (cause instanceof java.nio.charset.UnmappableCharacterException ? "unmappable" : "malformed")
                + " input at byte offset " + byteOffset + " of the file). Read it with the charset it was written in,"
                + " or fix the bytes at that offset", cause);
        this.path = path;
        this.lineNumber = lineNumber;
        this.byteOffset = byteOffset;
    }

    /**
     * The file being read.
     *
     * @return the path as given to {@link Lines}
     */
    public Path path() {
        return path;
    }

    /**
     * The line holding the bad bytes.
     *
     * @return the line number, counting from 1
     */
    public long lineNumber() {
        return lineNumber;
    }

    /**
     * Where the bad bytes start.
     *
     * @return the offset from the start of the file, counting from 0
     */
    public long byteOffset() {
        return byteOffset;
    }
}
