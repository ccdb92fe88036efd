package dev.berth.files;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_16BE;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LineReaderTest {

    @TempDir
    Path dir;

    private static List<String> readAll(Path file, java.nio.charset.Charset charset) throws Exception {
        List<String> lines = new ArrayList<>();
        try (LineReader reader = Lines.open(file, charset)) {
            reader.forEachRemaining(lines::add);
        }
        return lines;
    }

    @Test
    void splitsOnEveryKindOfLineEnding() throws Exception {
        Path file = Files.writeString(dir.resolve("mixed.txt"), "unix\nwindows\r\nold mac\rlast");

        assertThat(readAll(file, UTF_8)).containsExactly("unix", "windows", "old mac", "last");
    }

    @Test
    void finalTerminatorDoesNotAddAnEmptyLineButBlankLinesCount() throws Exception {
        Path file = Files.writeString(dir.resolve("blank.txt"), "a\n\n\r\nb\n");

        assertThat(readAll(file, UTF_8)).containsExactly("a", "", "", "b");
    }

    @Test
    void emptyFileHasNoLines() throws Exception {
        Path file = Files.createFile(dir.resolve("empty.txt"));

        try (LineReader reader = Lines.open(file, UTF_8)) {
            assertThat(reader.hasNext()).isFalse();
            assertThatThrownBy(reader::next).isInstanceOf(NoSuchElementException.class);
        }
    }

    @Test
    void decodesTheChosenCharset() throws Exception {
        Path latin = Files.writeString(dir.resolve("latin1.txt"), "café\nnaïve", ISO_8859_1);
        Path utf16 = Files.writeString(dir.resolve("utf16.txt"), "日本\r\n語", UTF_16BE);

        assertThat(readAll(latin, ISO_8859_1)).containsExactly("café", "naïve");
        assertThat(readAll(utf16, UTF_16BE)).containsExactly("日本", "語");
    }

    @Test
    void multiByteCharactersAcrossBufferBoundariesAndLongLinesSurvive() throws Exception {
        // "€" is 3 bytes in UTF-8; 100,000 of them cross the 64 KiB read buffer at every possible split.
        String longLine = "€".repeat(100_000);
        Path file = Files.writeString(dir.resolve("long.txt"), "x\n" + longLine + "\nend\n");

        assertThat(readAll(file, UTF_8)).containsExactly("x", longLine, "end");
    }

    @Test
    void malformedInputFailsWithFileLineAndOffsetAfterEarlierLines() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.writeBytes("first\nsecond\nthi".getBytes(UTF_8));
        bytes.write(0xC3); // a lead byte without its continuation
        bytes.writeBytes("rd\nfourth\n".getBytes(UTF_8));
        Path file = Files.write(dir.resolve("broken.txt"), bytes.toByteArray());
        List<String> seen = new ArrayList<>();

        try (LineReader reader = Lines.open(file, UTF_8)) {
            assertThatThrownBy(() -> reader.forEachRemaining(seen::add))
                    .isInstanceOfSatisfying(MalformedLineException.class, e -> {
                        assertThat(e.lineNumber()).isEqualTo(3);
                        assertThat(e.byteOffset()).isEqualTo(16);
                        assertThat(e.path()).isEqualTo(file);
                    })
                    .hasMessageContaining(file + " line 3 is not valid UTF-8")
                    .hasMessageContaining("byte offset 16");
        }
        assertThat(seen).containsExactly("first", "second");
    }

    @Test
    void truncatedSequenceAtTheEndOfTheFileIsMalformed() throws Exception {
        Path file = Files.write(dir.resolve("cut.txt"), new byte[] {'o', 'k', '\n', (byte) 0xE2, (byte) 0x82});

        assertThatThrownBy(() -> readAll(file, UTF_8))
                .isInstanceOfSatisfying(MalformedLineException.class, e -> assertThat(e.lineNumber()).isEqualTo(2));
    }

    @Test
    void unmappableCharacterNamesTheLine() throws Exception {
        Path file = Files.write(dir.resolve("ascii.txt"), new byte[] {'a', '\n', 'b', '\n', (byte) 0xE9, '\n'});

        assertThatThrownBy(() -> readAll(file, java.nio.charset.StandardCharsets.US_ASCII))
                .isInstanceOfSatisfying(MalformedLineException.class, e -> assertThat(e.lineNumber()).isEqualTo(3));
    }

    @Test
    void lineNumberCountsReturnedLines() throws Exception {
        Path file = Files.writeString(dir.resolve("n.txt"), "a\nb\nc\n");

        try (LineReader reader = Lines.open(file, UTF_8)) {
            assertThat(reader.lineNumber()).isZero();
            reader.next();
            reader.next();
            assertThat(reader.hasNext()).isTrue();
            assertThat(reader.lineNumber()).isEqualTo(2);
        }
    }

    @Test
    void streamReadsTheRestAndClosingItClosesTheReader() throws Exception {
        Path file = Files.writeString(dir.resolve("s.txt"), "ERROR a\nINFO b\nERROR c\n");
        LineReader reader = Lines.open(file, UTF_8);

        try (Stream<String> lines = reader.stream()) {
            assertThat(lines.filter(l -> l.startsWith("ERROR")).count()).isEqualTo(2);
        }

        assertThatThrownBy(reader::hasNext).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    }

    @Test
    void missingFileFailsOnOpen() {
        assertThatThrownBy(() -> Lines.open(dir.resolve("missing.txt"), UTF_8)).isInstanceOf(NoSuchFileException.class);
    }
}
