package dev.berth.pool;

import java.io.IOException;
import java.io.ObjectOutputStream;
import java.util.function.Supplier;

/**
 * No resource became free within the acquire timeout. The message describes the pool's state (sizes,
 * waiters, the last creation failure, the longest holders); {@link #getCause()} is the last creation failure,
 * if any.
 */
public class PoolTimeoutException extends PoolException {
    private static final long serialVersionUID = 1L;
    private transient volatile Supplier<String> lazyMessage;
    private volatile String message;

    /** @param message the pool's state and the likely fix; @param cause the last creation failure, or {@code null} */
    public PoolTimeoutException(String message, Throwable cause) {
        super(message, cause);
        this.message = message;
    }

    /** The report is rendered when first read: a storm of timeouts nobody logs costs no stack sampling. */
    PoolTimeoutException(Supplier<String> message, Throwable cause) {
        super(null, cause);
        this.lazyMessage = message;
    }

    @Override
    public String getMessage() {
        String rendered = message;
        Supplier<String> render = lazyMessage;
        if (rendered == null && render != null) {
            // Two threads reading at once may both render; they get the same report, and no lock is held
            // while the holders' stacks are sampled.
            rendered = render.get();
            message = rendered;
            lazyMessage = null;
        }
        return rendered;
    }

    private void writeObject(ObjectOutputStream out) throws IOException {
        getMessage(); // render before the supplier, which is not serialisable, is lost
        out.defaultWriteObject();
    }
}
