package dev.berth.web;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/** Collects what {@link SessionMiddleware} logs as slow requests (System.Logger goes to java.util.logging here). */
final class SlowRequestLogCapture extends Handler implements AutoCloseable {

    private final Logger logger = Logger.getLogger(SessionMiddleware.SLOW_REQUEST_LOGGER);
    private final List<LogRecord> records = new CopyOnWriteArrayList<>();

    SlowRequestLogCapture() {
        setLevel(Level.ALL);
        logger.addHandler(this);
    }

    /** @return the lines logged so far that mention {@code path} */
    List<String> linesAbout(String path) {
        return records.stream().map(LogRecord::getMessage).filter(line -> line.contains(" " + path + " ")).toList();
    }

    /** @return the levels of the lines logged so far */
    List<Level> levels() {
        return records.stream().map(LogRecord::getLevel).toList();
    }

    @Override
    public void publish(LogRecord record) {
        records.add(record);
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
        logger.removeHandler(this);
    }
}
