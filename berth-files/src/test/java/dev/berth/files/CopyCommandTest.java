package dev.berth.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CopyCommandTest {

    @TempDir
    Path dir;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(boolean interactive, String... args) {
        return new CopyCommand(new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8), interactive).run(args);
    }

    private String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void copiesAndEndsTheProgressLineWithTheSummary() throws Exception {
        Path source = Files.write(dir.resolve("movie.bin"), FileCopyTest.randomBytes(3_000_000));

        int status = run(true, "copy", source.toString(), dir.resolve("copy.bin").toString());

        assertThat(status).isZero();
        assertThat(dir.resolve("copy.bin")).hasSameBinaryContentAs(source);
        String lastUpdate = out().substring(out().lastIndexOf('\r'));
        assertThat(lastUpdate).startsWith("\r[==============================] 100%  3.0 MB / 3.0 MB").contains(" in ").endsWith("\n");
        assertThat(err()).isEmpty();
    }

    @Test
    void withoutATerminalPrintsOnlyTheFinalLine() throws Exception {
        Path source = Files.write(dir.resolve("a.bin"), FileCopyTest.randomBytes(10_000));

        run(false, "copy", "--chunk-size", "1k", source.toString(), dir.resolve("b.bin").toString());

        assertThat(out()).doesNotContain("\r").contains("100%").hasLineCount(1);
    }

    @Test
    void printsTheChecksumWhenAsked() throws Exception {
        Path source = Files.writeString(dir.resolve("a.txt"), "abc");

        run(false, "copy", "--checksum", "sha256", source.toString(), dir.resolve("b.txt").toString());

        assertThat(out()).contains("sha256  ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad  " + dir.resolve("b.txt"));
    }

    @Test
    void missingSourceIsAClearErrorWithStatusOne() {
        Path missing = dir.resolve("nope.iso");

        int status = run(true, "copy", missing.toString(), dir.resolve("x.iso").toString());

        assertThat(status).isEqualTo(1);
        assertThat(err()).isEqualTo("berth-copy: cannot copy " + missing + ": no such file\n");
        assertThat(dir).isEmptyDirectory();
    }

    @Test
    void existingDestinationNeedsForce() throws Exception {
        Path source = Files.writeString(dir.resolve("new.txt"), "new");
        Path destination = Files.writeString(dir.resolve("old.txt"), "old");

        assertThat(run(false, "copy", source.toString(), destination.toString())).isEqualTo(1);
        assertThat(err()).contains("exists; add --force to replace it");
        assertThat(destination).hasContent("old");

        assertThat(run(false, "copy", "--force", source.toString(), destination.toString())).isZero();
        assertThat(destination).hasContent("new");
    }

    @Test
    void directoryDestinationReceivesTheSourceName() throws Exception {
        Path source = Files.writeString(dir.resolve("report.pdf"), "pdf");
        Path target = Files.createDirectory(dir.resolve("archive"));

        assertThat(run(false, source.toString(), target.toString())).isZero();
        assertThat(target.resolve("report.pdf")).hasContent("pdf");
    }

    @Test
    void wrongUsageShowsTheProblemAndUsageWithStatusTwo() {
        assertThat(run(false, "copy", "only-one")).isEqualTo(2);
        assertThat(err()).startsWith("berth-copy: expected a source and a destination, got 1 path [only-one]\nUsage:");

        err.reset();
        assertThat(run(false, "copy", "--fast", "a", "b")).isEqualTo(2);
        assertThat(err()).startsWith("berth-copy: unknown option --fast");

        err.reset();
        assertThat(run(false, "copy", "--checksum", "md5", "a", "b")).isEqualTo(2);
        assertThat(err()).contains("use sha256 or crc32c");
    }

    @Test
    void helpPrintsUsageWithStatusZero() {
        assertThat(run(false, "copy", "--help")).isZero();
        assertThat(out()).startsWith("Usage: berth-copy");
    }

    @Test
    void chunkSizesTakeUnitsAndRejectNonsense() {
        assertThat(CopyCommand.Options.size("65536")).isEqualTo(65536);
        assertThat(CopyCommand.Options.size("256k")).isEqualTo(256 * 1024);
        assertThat(CopyCommand.Options.size("4M")).isEqualTo(4 * 1024 * 1024);
        assertThatThrownBy(() -> CopyCommand.Options.size("lots")).hasMessageContaining("like 65536, 256k or 4m");
        assertThatThrownBy(() -> CopyCommand.Options.size("2048m")).hasMessageContaining("from 1 byte to 1024m");
    }

    @Test
    void optionsAfterDoubleDashArePaths() {
        CopyCommand.Options options = CopyCommand.Options.parse(List.of("--", "-odd-name", "b"));

        assertThat(options.source()).isEqualTo(Path.of("-odd-name"));
    }

    @Test
    void progressLineShowsBarPercentSizesRateAndEta() {
        CopyProgress halfway = new CopyProgress(500_000_000, OptionalLong.of(1_000_000_000), Duration.ofSeconds(2), false);

        assertThat(ProgressBar.render(halfway))
                .isEqualTo("[===============>              ]  50%  500.0 MB / 1.0 GB  250.0 MB/s  ETA 0:02");
    }

    @Test
    void progressLineWithoutTotalShowsBytesAndRate() {
        CopyProgress streaming = new CopyProgress(1_500, OptionalLong.empty(), Duration.ofSeconds(1), false);

        assertThat(ProgressBar.render(streaming)).isEqualTo("1.5 kB copied  1.5 kB/s  ETA --:--");
    }

    @Test
    void finalLineShowsTheDuration() {
        CopyProgress done = new CopyProgress(7_200_000_000L, OptionalLong.of(7_200_000_000L), Duration.ofMinutes(61), true);

        assertThat(ProgressBar.render(done)).endsWith("100%  7.2 GB / 7.2 GB  2.0 MB/s  in 1:01:00");
    }

    @Test
    void sizesUseDecimalUnits() {
        assertThat(ProgressBar.size(999)).isEqualTo("999 B");
        assertThat(ProgressBar.size(1_000)).isEqualTo("1.0 kB");
        assertThat(ProgressBar.size(999_960)).isEqualTo("1.0 MB");
        assertThat(ProgressBar.size(1_073_741_824)).isEqualTo("1.1 GB");
    }
}
