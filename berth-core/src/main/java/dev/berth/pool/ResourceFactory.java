package dev.berth.pool;

import java.time.Duration;

/**
 * How a {@link Pool} makes, checks, cleans and disposes of its resources. The pool calls these methods
 * from its own threads (creation and destruction run off the caller's path) and from callers' threads
 * (validation on borrow, reset on return), never for the same resource at the same time.
 *
 * {@snippet :
 * ResourceFactory<Socket> sockets = new ResourceFactory<>() {
 *     public Socket create() throws IOException { return new Socket("127.0.0.1", 6379); }
 *     public boolean validate(Socket s, Duration timeout) { return !s.isClosed(); }
 *     public void destroy(Socket s) throws IOException { s.close(); }
 * };
 * }
 *
 * @param <R> the pooled resource type
 */
public interface ResourceFactory<R> {

    /**
     * Creates a new resource. May block (network I/O); runs on a pool creation thread.
     *
     * @return a new, ready resource; never {@code null}
     * @throws Exception when the resource cannot be created; the cause reaches waiting callers
     */
    R create() throws Exception;

    /**
     * Checks that an idle resource still works (a ping). Called before a resource idle for longer than
     * {@link PoolConfig#validateAfterIdle()} is handed out, and by keepalive for idle resources.
     *
     * @param resource the resource to check
     * @param timeout how long the check may take
     * @return {@code false} (or an exception) when the resource must be destroyed
     * @throws Exception when the check fails; treated as {@code false}
     */
    default boolean validate(R resource, Duration timeout) throws Exception {
        return true;
    }

    /**
     * Brings a returned resource back to a clean state (roll back, restore settings). Runs on the
     * returning caller's thread before the resource is lent again.
     *
     * @param resource the returned resource
     * @throws Exception when the resource cannot be reset; it is then destroyed, not lent again
     */
    default void reset(R resource) throws Exception {
    }

    /**
     * Disposes of a resource for good (close the socket). Runs on a pool thread; failures are logged.
     *
     * @param resource the resource to dispose of
     * @throws Exception when disposal fails; the resource is forgotten anyway
     */
    void destroy(R resource) throws Exception;
}
