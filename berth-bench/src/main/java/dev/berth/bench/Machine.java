package dev.berth.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Locale;

/**
 * The machine line every benchmark report carries, so that a figure is never read without the machine that made it:
 * cores, CPU model, JVM, OS, load average and the date. Stateless; safe from any thread.
 */
public final class Machine {

    private Machine() {
    }

    /**
     * @return for example {@code 2 cores (AMD EPYC), OpenJDK 64-Bit Server VM 25.0.3+9-LTS (Eclipse Adoptium), Linux
     *     6.18, load average 1.84 at the start; 2026-11-28T05:02:22Z UTC}
     */
    public static String describe() {
        String cpu = "unknown CPU";
        try {
            cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("model name"))
                    .map(l -> l.substring(l.indexOf(':') + 1).trim())
                    .findFirst().orElse(cpu);
        } catch (IOException | RuntimeException e) {
            // not Linux: leave the CPU unnamed
        }
        String load = loadAverage();
        return String.format(Locale.ROOT, "%d cores (%s), %s %s (%s), %s%s; %s UTC",
                Runtime.getRuntime().availableProcessors(), cpu,
                System.getProperty("java.vm.name"), System.getProperty("java.runtime.version"),
                System.getProperty("java.vm.vendor"), System.getProperty("os.name") + " " + System.getProperty("os.version"),
                load.isEmpty() ? "" : ", load average " + load + " at the start", Instant.now().truncatedTo(ChronoUnit.SECONDS));
    }

    /** @return the one-minute load average, or an empty string where /proc/loadavg does not exist (not Linux) */
    public static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
