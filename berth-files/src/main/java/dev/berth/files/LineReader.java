package dev.berth.files;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.channels.ReadableByteChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.Charset;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * The lines of a text file, read lazily in chunks: an {@link Iterator} that holds the file open until
 * {@link #close()}. Lines end at {@code \n}, {@code \r\n} or {@code \r}; the terminators are not part of the line,
 * and a final terminator does not start an empty last line (as {@link java.io.BufferedReader#readLine()}).
 *
 * {@snippet :
 * try (LineReader lines = Lines.open(Path.of("access.log"), StandardCharsets.UTF_8)) {
 *     while (lines.hasNext()) {
 *         String line = lines.next();
 *         if (line.contains(" 500 ")) {
 *             System.out.println(lines.lineNumber() + ": " + line);
 *         }
 *     }
 * }
 * }
 *
 * <p>Bytes that are not valid in the charset stop the iteration with a {@link MalformedLineException} naming
 * the file, the line and the byte offset, after every line before it was returned; nothing is replaced silently.
 * Memory use is two small buffers plus the longest line. Not thread-safe: one reader per thread, which may
 * block on disk reads (cheap on a virtual thread).
 */
public final class LineReader implements Iterator<String>, AutoCloseable {

    private static final int BUFFER_SIZE = 64 * 1024;

    private final Path path;
    private final Charset charset;
    private final ReadableByteChannel channel;
    private final CharsetDecoder decoder;
    private final ByteBuffer bytes = ByteBuffer.allocate(BUFFER_SIZE).flip();
    private final CharBuffer chars = CharBuffer.allocate(BUFFER_SIZE).flip();
    private final StringBuilder line = new StringBuilder();

    private long bytesRead;
    private long lineNumber;
    private boolean endOfInput;
    private boolean flushing;
    private boolean decoded;
    private boolean skipLineFeed;
    private CoderResult pendingError;
    private long pendingErrorOffset;
    private String next;
    private boolean closed;

    LineReader(Path path, Charset charset, ReadableByteChannel channel) {
        this.path = path;
        this.charset = charset;
        this.channel = channel;
        this.decoder = charset.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
    }

    /**
     * Tells whether another line follows, reading ahead as far as the end of that line.
     *
     * @return {@code true} when {@link #next()} will return a line
     * @throws MalformedLineException when the next line holds bytes invalid in the charset
     * @throws UncheckedIOException when reading fails
     * @throws IllegalStateException when the reader is closed
     */
    @Override
    public boolean hasNext() {
        if (next == null) {
            if (closed) {
                throw new IllegalStateException("The line reader for " + path + " is closed; open a new one with Lines.open");
            }
            try {
                next = readLine();
            } catch (CharacterCodingException e) {
                throw new MalformedLineException(path, charset, lineNumber + 1, pendingErrorOffset, e);
            } catch (IOException e) {
                throw new UncheckedIOException("Reading " + path + " failed after line " + lineNumber + ": " + e.getMessage(), e);
            }
        }
        return next != null;
    }

    /**
     * Returns the next line, without its terminator.
     *
     * @return the line
     * @throws NoSuchElementException when the file has no more lines
     * @throws MalformedLineException when the line holds bytes invalid in the charset
     * @throws UncheckedIOException when reading fails
     */
    @Override
    public String next() {
        if (!hasNext()) {
            throw new NoSuchElementException("No line after line " + lineNumber + " of " + path);
        }
        String result = next;
        next = null;
        lineNumber++;
        return result;
    }

    /**
     * The number of the line last returned by {@link #next()}.
     *
     * @return from 1 for the first line; 0 before the first call to {@code next}
     */
    public long lineNumber() {
        return lineNumber;
    }

    /**
     * The remaining lines as a sequential stream; closing the stream closes this reader.
     *
     * {@snippet :
     * try (Stream<String> lines = Lines.open(csv, StandardCharsets.UTF_8).stream()) {
     *     long errors = lines.filter(l -> l.startsWith("ERROR")).count();
     * }
     * }
     *
     * @return a stream over the lines not yet returned
     */
    public Stream<String> stream() {
        Spliterator<String> spliterator = Spliterators.spliteratorUnknownSize(this, Spliterator.ORDERED | Spliterator.NONNULL);
        return StreamSupport.stream(spliterator, false).onClose(this::close);
    }

    /**
     * Closes the file. Idempotent.
     *
     * @throws UncheckedIOException when closing the file fails
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        next = null;
        try {
            channel.close();
        } catch (IOException e) {
            throw new UncheckedIOException("Closing " + path + " failed: " + e.getMessage(), e);
        }
    }

    private String readLine() throws IOException {
        while (true) {
            while (chars.hasRemaining()) {
                char c = chars.get();
                if (skipLineFeed) {
                    skipLineFeed = false;
                    if (c == '\n') {
                        continue;
                    }
                }
                if (c == '\n' || c == '\r') {
                    skipLineFeed = c == '\r';
                    return takeLine();
                }
                line.append(c);
            }
            if (pendingError != null) {
                pendingError.throwException();
            }
            if (decoded) {
                return line.isEmpty() ? null : takeLine();
            }
            decodeMore();
        }
    }

    private String takeLine() {
        String result = line.toString();
        line.setLength(0);
        return result;
    }

    /** Refills {@link #chars}; records a decoding error to throw once the characters before it are used. */
    private void decodeMore() throws IOException {
        chars.clear();
        while (true) {
            if (flushing) {
                if (decoder.flush(chars).isUnderflow()) {
                    decoded = true;
                }
                break;
            }
            CoderResult result = decoder.decode(bytes, chars, endOfInput);
            if (result.isError()) {
                pendingError = result;
                pendingErrorOffset = bytesRead - bytes.remaining();
                break;
            }
            if (result.isOverflow()) {
                break;
            }
            if (endOfInput) {
                flushing = true;
                continue;
            }
            if (chars.position() > 0) {
                break;
            }
            bytes.compact();
            int read = channel.read(bytes);
            bytes.flip();
            if (read < 0) {
                endOfInput = true;
            } else {
                bytesRead += read;
            }
        }
        chars.flip();
    }
}
