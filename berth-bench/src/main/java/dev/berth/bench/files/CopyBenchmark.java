package dev.berth.bench.files;

import dev.berth.files.Checksum;
import dev.berth.files.FileCopy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Copies one large file with {@code cp}, {@link Files#copy} and berth's {@link FileCopy} (with and without SHA-256)
 * side by side: one untimed warm-up round, then measured rounds whose order rotates so no contender always runs
 * first (or last) on a warm page cache; prints the median throughput of each and its ratio to {@code cp}.
 * Run it with {@code bin/bench-files}, which makes the source file.
 */
public final class CopyBenchmark {

    @FunctionalInterface
    interface Contender {
        void copy(Path source, Path destination) throws Exception;
    }

    public static void main(String[] args) throws Exception {
        Path source = Path.of(args[0]);
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        Path work = source.toAbsolutePath().getParent();
        long size = Files.size(source);

        Map<String, Contender> contenders = new LinkedHashMap<>();
        contenders.put("cp", (from, to) -> {
            Process cp = new ProcessBuilder("cp", from.toString(), to.toString()).inheritIO().start();
            if (cp.waitFor() != 0) {
                throw new IOException("cp failed with status " + cp.exitValue());
            }
        });
        contenders.put("Files.copy", (from, to) -> Files.copy(from, to));
        contenders.put("berth FileCopy", (from, to) -> FileCopy.from(from).to(to).run());
        contenders.put("berth FileCopy + SHA-256", (from, to) -> FileCopy.from(from).to(to).checksum(Checksum.SHA_256).run());
        contenders.put("berth FileCopy + CRC32C", (from, to) -> FileCopy.from(from).to(to).checksum(Checksum.CRC32C).run());

        List<String> names = new ArrayList<>(contenders.keySet());
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        names.forEach(name -> rates.put(name, new ArrayList<>()));
        System.out.printf(Locale.ROOT, "source %s, %d bytes; 1 warm-up round + %d measured rounds%n", source, size, rounds);
        for (int round = 0; round <= rounds; round++) {
            StringBuilder line = new StringBuilder(round == 0 ? "warm-up  " : String.format(Locale.ROOT, "round %d  ", round));
            for (int i = 0; i < names.size(); i++) {
                String name = names.get((i + round) % names.size());
                Path destination = work.resolve("copy.bin");
                long start = System.nanoTime();
                contenders.get(name).copy(source, destination);
                long nanos = System.nanoTime() - start;
                if (Files.size(destination) != size) {
                    throw new IllegalStateException(name + " copied " + Files.size(destination) + " of " + size + " bytes");
                }
                Files.delete(destination);
                double rate = size / (nanos / 1e9) / 1e6;
                if (round > 0) {
                    rates.get(name).add(rate);
                }
                line.append(String.format(Locale.ROOT, "%s %.0f  ", name, rate));
            }
            System.out.println(line.toString().strip());
        }

        double cp = median(rates.get("cp"));
        System.out.println();
        System.out.println("| contender | median MB/s | vs cp | all rounds (MB/s) |");
        System.out.println("|---|---:|---:|---|");
        for (String name : names) {
            List<Double> all = rates.get(name);
            StringBuilder each = new StringBuilder();
            all.forEach(r -> each.append(each.isEmpty() ? "" : ", ").append(String.format(Locale.ROOT, "%.0f", r)));
            System.out.printf(Locale.ROOT, "| %s | %.0f | %.2fx | %s |%n", name, median(all), median(all) / cp, each);
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = values.stream().sorted().toList();
        int middle = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
    }
}
