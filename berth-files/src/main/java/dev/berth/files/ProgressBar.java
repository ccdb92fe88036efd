package dev.berth.files;

import java.time.Duration;
import java.util.Locale;

/** Renders a {@link CopyProgress} as one terminal line: bar, percentage, sizes, rate and time left. */
final class ProgressBar {

    private static final int BAR_WIDTH = 30;

    private ProgressBar() {
    }

    /**
     * One line without terminator, e.g. {@code [==========>         ]  52%  540.0 MB / 1.0 GB  210.4 MB/s  ETA 0:02}.
     */
    static String render(CopyProgress progress) {
        StringBuilder line = new StringBuilder();
        double rate = progress.bytesPerSecond();
        if (progress.fraction().isPresent()) {
            double fraction = progress.fraction().getAsDouble();
            line.append(bar(fraction)).append(' ')
                    .append(String.format(Locale.ROOT, "%3d%%", (int) Math.floor(fraction * 100)))
                    .append("  ").append(size(progress.bytesCopied()))
                    .append(" / ").append(size(progress.total().getAsLong()));
        } else {
            line.append(size(progress.bytesCopied())).append(" copied");
        }
        line.append("  ").append(size((long) rate)).append("/s");
        if (progress.done()) {
            line.append("  in ").append(clock(progress.elapsed()));
        } else {
            line.append("  ETA ").append(progress.remaining().map(ProgressBar::clock).orElse("--:--"));
        }
        return line.toString();
    }

    static String bar(double fraction) {
        int filled = (int) Math.floor(fraction * BAR_WIDTH);
        StringBuilder bar = new StringBuilder(BAR_WIDTH + 2).append('[');
        for (int i = 0; i < BAR_WIDTH; i++) {
            bar.append(i < filled ? '=' : i == filled ? '>' : ' ');
        }
        return bar.append(']').toString();
    }

    /** Decimal units, as disks and network rates are sold: 1 MB = 1,000,000 bytes. */
    static String size(long bytes) {
        if (bytes < 1000) {
            return bytes + " B";
        }
        String[] units = {"kB", "MB", "GB", "TB", "PB", "EB"};
        double value = bytes;
        int unit = -1;
        while (value >= 999.95 && unit < units.length - 1) {
            value /= 1000;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }

    /** {@code m:ss}, or {@code h:mm:ss} from one hour on. */
    static String clock(Duration duration) {
        long seconds = Math.max(0, (duration.toMillis() + 500) / 1000);
        long hours = seconds / 3600;
        long minutes = seconds / 60 % 60;
        long secs = seconds % 60;
        return hours > 0
                ? String.format(Locale.ROOT, "%d:%02d:%02d", hours, minutes, secs)
                : String.format(Locale.ROOT, "%d:%02d", minutes, secs);
    }
}
