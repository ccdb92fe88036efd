package dev.berth.files;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The future of an asynchronous copy whose {@code cancel} really stops the copy: it flags the run and interrupts
 * the thread running it, never a thread that has moved on to other work.
 */
final class CancellableCopy extends CompletableFuture<CopyResult> {

    private final CopyRun run;
    private final ReentrantLock workerLock = new ReentrantLock();
    private Thread worker;

    CancellableCopy(CopyRun run) {
        this.run = run;
    }

    void runOnThisThread() {
        workerLock.lock();
        try {
            if (isDone()) {
                return;
            }
            worker = Thread.currentThread();
        } finally {
            workerLock.unlock();
        }
        try {
            complete(run.execute());
        } catch (Throwable failure) {
            completeExceptionally(failure);
        } finally {
            workerLock.lock();
            try {
                worker = null;
            } finally {
                workerLock.unlock();
            }
            if (isCancelled()) {
                // The interrupt was meant for this copy only; do not leak it into the executor's next task.
                Thread.interrupted();
            }
        }
    }

    @Override
    public boolean cancel(boolean mayInterruptIfRunning) {
        boolean cancelled = super.cancel(mayInterruptIfRunning);
        if (cancelled) {
            run.cancel();
            workerLock.lock();
            try {
                if (worker != null) {
                    worker.interrupt();
                }
            } finally {
                workerLock.unlock();
            }
        }
        return cancelled;
    }
}
