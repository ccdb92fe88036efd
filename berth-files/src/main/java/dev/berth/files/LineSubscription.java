package dev.berth.files;

import java.nio.charset.Charset;
import java.nio.file.Path;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One subscriber's pass over a file. Signals are serialised by a work-in-progress counter: whoever raises it from
 * zero schedules one drain, which runs until no request or cancel arrived meanwhile. The reader is only touched
 * inside a drain, so it needs no lock; the counter's atomic updates publish its state between drains.
 */
final class LineSubscription implements Flow.Subscription {

    private final Path path;
    private final Charset charset;
    private final Executor executor;
    private final Flow.Subscriber<? super String> subscriber;
    private final AtomicLong demand = new AtomicLong();
    private final AtomicInteger workInProgress = new AtomicInteger();

    private volatile boolean cancelled;
    private volatile boolean invalidRequest;
    private volatile long invalidCount;
    private LineReader reader;
    private boolean finished;

    LineSubscription(Path path, Charset charset, Executor executor, Flow.Subscriber<? super String> subscriber) {
        this.path = path;
        this.charset = charset;
        this.executor = executor;
        this.subscriber = subscriber;
    }

    @Override
    public void request(long n) {
        if (n <= 0) {
            invalidCount = n;
            invalidRequest = true;
        } else {
            demand.getAndUpdate(current -> current + n < 0 ? Long.MAX_VALUE : current + n);
        }
        schedule();
    }

    @Override
    public void cancel() {
        cancelled = true;
        schedule();
    }

    private void schedule() {
        if (workInProgress.getAndIncrement() == 0) {
            try {
                executor.execute(this::drain);
            } catch (RejectedExecutionException e) {
                workInProgress.set(0);
                closeReader();
                finished = true;
                subscriber.onError(new RejectedExecutionException("The executor refused to read " + path
                        + " for a subscriber; give Lines.publisher an executor that accepts tasks", e));
            }
        }
    }

    private void drain() {
        int missed = 1;
        do {
            if (!finished) {
                step();
            }
            missed = workInProgress.addAndGet(-missed);
        } while (missed != 0);
    }

    private void step() {
        if (cancelled) {
            finish();
            return;
        }
        if (invalidRequest) {
            finish();
            subscriber.onError(new IllegalArgumentException("request(" + invalidCount + ") on the lines of " + path
                    + ": a subscriber must request a positive number of lines (Reactive Streams rule 3.9)"));
            return;
        }
        try {
            if (reader == null && demand.get() > 0) {
                reader = Lines.open(path, charset);
            }
            while (demand.get() > 0 && !cancelled && !invalidRequest) {
                if (!reader.hasNext()) {
                    finish();
                    subscriber.onComplete();
                    return;
                }
                String line = reader.next();
                demand.decrementAndGet();
                subscriber.onNext(line);
            }
        } catch (Exception failure) {
            finish();
            subscriber.onError(failure);
            return;
        }
        if (cancelled || invalidRequest) {
            step();
        }
    }

    private void finish() {
        finished = true;
        closeReader();
    }

    private void closeReader() {
        if (reader != null) {
            try {
                reader.close();
            } catch (RuntimeException ignored) {
                // The subscriber already has its outcome; a failing close of a read-only file loses no data.
            }
            reader = null;
        }
    }
}
