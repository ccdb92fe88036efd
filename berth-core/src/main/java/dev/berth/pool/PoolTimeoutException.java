package dev.berth.pool;

/**
 * No resource became free within the acquire timeout. The message describes the pool's state (sizes,
 * waiters, the last creation failure); {@link #getCause()} is the last creation failure, if any.
 */
public class PoolTimeoutException extends PoolException {
    private static final long serialVersionUID = 1L;
    private transient java.util.function.Supplier<String> lazyMessage;
    private String message;

    /** @param message the pool's state and the likely fix; @param cause the last creation failure, or {@code null} */
    public PoolTimeoutException(String message, Throwable cause) {
        super(message, cause);
        this.message = message;
    }

    /** The report is rendered when first read: a storm of timeouts nobody logs costs no stack sampling. */
    PoolTimeoutException(java.util.function.Supplier<String> message, Throwable cause) {
        super(null, cause);
        this.lazyMessage = message;
    }

    @Override
    public synchronized String getMessage() {
        if (message == null && lazyMessage != null) {
            message = lazyMessage.get();
            lazyMessage = null;
        }
        return message;
    }
}
