package dev.berth.demo;

import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Runs the berth demo: an HTTP service (accounts, transfers, cached lookups, events, files) on berth's pools with a
 * live dashboard of every pool, on an embedded PostgreSQL and an embedded Redis unless {@code DATABASE_URL} and
 * {@code REDIS_URL} name real ones. Prints the URL to open, serves until Ctrl-C, then closes every pool and stops
 * the embedded servers before it exits.
 *
 * {@snippet lang=shell :
 * ./mvnw -q -pl berth-demo -am compile exec:java -Dexec.skip=true -Dexec.mainClass=dev.berth.demo.Main
 * # then open http://127.0.0.1:8080/ ; options through the environment or -Dexec.args="--port 0 --pools hikari"
 * }
 *
 * Exit status: 0 after a clean shutdown, 1 when the demo could not start, 2 for bad settings. {@code --help} lists
 * the settings ({@link DemoConfig}).
 */
public final class Main {
    /** Loggers whose start-up chatter is hidden (warnings still show); kept here since java.util.logging holds them weakly. */
    private static final String[] QUIETED = {"io.helidon", "com.zaxxer.hikari", "io.zonky"};
    private static final java.util.List<Logger> KEPT = new java.util.ArrayList<>();

    private Main() {
    }

    /** One line per log record (the slow-request log among them), and no start-up chatter from the libraries. */
    private static void quietLogging() {
        if (System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
            System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tT %4$s %3$s: %5$s%6$s%n");
        }
        for (String name : QUIETED) {
            Logger logger = Logger.getLogger(name);
            logger.setLevel(Level.WARNING);
            KEPT.add(logger);
        }
    }

    /**
     * Starts the demo and serves until the JVM is told to stop.
     *
     * @param args options such as {@code --port 0} or {@code --pools hikari}; {@code --help} lists them
     */
    public static void main(String[] args) throws InterruptedException {
        if (Arrays.asList(args).contains("--help")) {
            System.out.print(DemoConfig.usage());
            return;
        }
        DemoConfig config;
        try {
            config = DemoConfig.from(args, System.getProperties(), System.getenv());
        } catch (IllegalArgumentException e) {
            System.err.println("berth demo: " + e.getMessage());
            System.exit(2);
            return;
        }
        quietLogging();
        System.out.println("berth demo: starting (" + config.pools().name().toLowerCase(java.util.Locale.ROOT) + " pools"
                + (config.databaseUrl() == null ? ", embedded PostgreSQL" : "") + (config.redisUrl() == null ? ", embedded Redis" : "")
                + ")...");
        DemoServer demo;
        try {
            demo = DemoServer.start(config);
        } catch (Exception e) {
            System.err.println("berth demo: could not start: " + e.getMessage());
            for (Throwable cause = e.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
                System.err.println("  caused by: " + cause);
            }
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(Thread.ofPlatform().name("berth-demo-shutdown").unstarted(() -> {
            System.out.println("berth demo: stopping...");
            try {
                demo.close();
                System.out.println("berth demo: stopped (" + demo.closedSummary() + ")");
            } catch (Exception e) {
                System.err.println("berth demo: shutdown was not clean: " + e);
            } finally {
                stopped.countDown();
            }
        }));
        System.out.println("berth demo: " + demo.description());
        System.out.println("berth demo: open " + demo.uri() + "  (Ctrl-C stops it)");
        stopped.await();
    }
}
