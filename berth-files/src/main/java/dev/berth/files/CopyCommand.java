package dev.berth.files;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.PrintStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The {@code berth-copy} command: copies one file with a live progress bar, through {@link FileCopy}.
 *
 * {@snippet lang = "shell" :
 * bin/berth-copy big.iso /mnt/backup/
 * [===============>              ]  52%  2.1 GB / 4.0 GB  410.2 MB/s  ETA 0:04
 * }
 *
 * <p>Usage: {@code copy [--force] [--checksum sha256|crc32c] [--chunk-size SIZE] [--durable] <source> <destination>}.
 * A destination that is a directory receives a file of the source's name. Exit status: 0 copied, 1 the copy
 * failed (the message says why; the destination is untouched), 2 wrong usage.
 */
public final class CopyCommand {

    static final String USAGE = """
            Usage: berth-copy [options] <source> <destination>
              Copies a file in chunks with a progress bar; the destination appears complete or not at all.
              A destination that is a directory receives a file of the source's name.
            Options:
              --force               replace an existing destination
              --checksum ALGORITHM  print the sha256 or crc32c of the bytes copied
              --chunk-size SIZE     bytes per chunk, e.g. 65536, 256k, 4m (default 1m)
              --durable             force the data to disk before reporting success
              --help                show this help""";

    private final PrintStream out;
    private final PrintStream err;
    private final boolean interactive;
    private boolean lineOpen;

    CopyCommand(PrintStream out, PrintStream err, boolean interactive) {
        this.out = out;
        this.err = err;
        this.interactive = interactive;
    }

    /**
     * Runs the command and exits the JVM with its status.
     *
     * @param args {@code copy}, then options and the two paths
     */
    public static void main(String[] args) {
        System.exit(new CopyCommand(System.out, System.err, System.console() != null).run(args));
    }

    /** Runs the command; returns the exit status. */
    int run(String[] args) {
        List<String> rest = new ArrayList<>(List.of(args));
        if (!rest.isEmpty() && rest.getFirst().equals("copy")) {
            rest.removeFirst();
        }
        Options options;
        try {
            options = Options.parse(rest);
        } catch (IllegalArgumentException e) {
            err.println("berth-copy: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
        if (options == null) {
            out.println(USAGE);
            return 0;
        }
        return copy(options);
    }

    private int copy(Options options) {
        Path source = options.source();
        Path destination = Files.isDirectory(options.destination()) && source.getFileName() != null
                ? options.destination().resolve(source.getFileName())
                : options.destination();
        // Not on a terminal (a log, a pipe): only the final report, no stream of carriage returns.
        Duration interval = interactive ? Duration.ofMillis(200) : Duration.ofDays(1);
        FileCopy copy = FileCopy.from(source).to(destination).chunkSize(options.chunkSize()).onProgress(this::show, interval);
        if (options.force()) {
            copy.replaceExisting();
        }
        if (options.durable()) {
            copy.durable();
        }
        if (options.checksum() != null) {
            copy.checksum(options.checksum());
        }
        try {
            CopyResult result = copy.run();
            result.checksum().ifPresent(hex -> out.println(
                    options.checksum().name().toLowerCase(Locale.ROOT).replace("_", "") + "  " + hex + "  " + destination));
            return 0;
        } catch (NoSuchFileException e) {
            endLine();
            err.println("berth-copy: cannot copy " + source + ": " + (e.getFile() != null && e.getFile().equals(source.toString())
                    ? "no such file" : e.getFile() + ": " + e.getReason()));
        } catch (FileAlreadyExistsException e) {
            endLine();
            err.println("berth-copy: " + destination + " exists; add --force to replace it");
        } catch (InterruptedIOException e) {
            endLine();
            err.println("berth-copy: interrupted; " + destination + " was left untouched");
        } catch (IOException e) {
            endLine();
            err.println("berth-copy: " + e.getMessage());
        }
        return 1;
    }

    private void show(CopyProgress progress) {
        String line = ProgressBar.render(progress);
        if (interactive) {
            // Pad so a shorter line fully covers the previous one.
            out.print("\r" + line + "   ");
            lineOpen = true;
            if (progress.done()) {
                out.println();
                lineOpen = false;
            }
        } else if (progress.done()) {
            out.println(line);
        }
        out.flush();
    }

    private void endLine() {
        if (lineOpen) {
            out.println();
            lineOpen = false;
        }
    }

    /** Parsed command line; {@code null} from {@link #parse} means help was asked for. */
    record Options(Path source, Path destination, boolean force, Checksum checksum, int chunkSize, boolean durable) {

        static Options parse(List<String> args) {
            boolean force = false;
            boolean durable = false;
            Checksum checksum = null;
            int chunkSize = FileCopy.DEFAULT_CHUNK_SIZE;
            List<String> paths = new ArrayList<>();
            for (int i = 0; i < args.size(); i++) {
                String arg = args.get(i);
                switch (arg) {
                    case "--help", "-h" -> {
                        return null;
                    }
                    case "--force", "-f" -> force = true;
                    case "--durable" -> durable = true;
                    case "--checksum" -> checksum = checksum(valueOf(args, ++i, arg));
                    case "--chunk-size" -> chunkSize = size(valueOf(args, ++i, arg));
                    case "--" -> {
                        paths.addAll(args.subList(i + 1, args.size()));
                        i = args.size();
                    }
                    default -> {
                        if (arg.startsWith("-") && arg.length() > 1) {
                            throw new IllegalArgumentException("unknown option " + arg);
                        }
                        paths.add(arg);
                    }
                }
            }
            if (paths.size() != 2) {
                throw new IllegalArgumentException("expected a source and a destination, got " + paths.size()
                        + (paths.size() == 1 ? " path" : " paths") + (paths.isEmpty() ? "" : " " + paths));
            }
            return new Options(Path.of(paths.get(0)), Path.of(paths.get(1)), force, checksum, chunkSize, durable);
        }

        private static String valueOf(List<String> args, int index, String option) {
            if (index >= args.size()) {
                throw new IllegalArgumentException(option + " needs a value");
            }
            return args.get(index);
        }

        private static Checksum checksum(String name) {
            return switch (name.toLowerCase(Locale.ROOT)) {
                case "sha256", "sha-256" -> Checksum.SHA_256;
                case "crc32c" -> Checksum.CRC32C;
                default -> throw new IllegalArgumentException("unknown checksum '" + name + "'; use sha256 or crc32c");
            };
        }

        static int size(String text) {
            String lower = text.toLowerCase(Locale.ROOT);
            long factor = 1;
            if (lower.endsWith("k")) {
                factor = 1L << 10;
            } else if (lower.endsWith("m")) {
                factor = 1L << 20;
            }
            String digits = factor == 1 ? lower : lower.substring(0, lower.length() - 1);
            try {
                long bytes = Long.parseLong(digits) * factor;
                if (bytes < 1 || bytes > 1 << 30) {
                    throw new IllegalArgumentException("--chunk-size must be from 1 byte to 1024m, got " + text);
                }
                return (int) bytes;
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("--chunk-size takes a number of bytes like 65536, 256k or 4m, got '"
                        + text + "'");
            }
        }
    }
}
