package dev.berth.redis;

import java.util.Collections;
import java.util.List;
import java.util.Optional;
import redis.clients.jedis.exceptions.JedisDataException;

/**
 * The replies of a pipeline or a MULTI/EXEC transaction, in the order the commands were queued. A command
 * that failed on the server (a wrong type, a syntax error) has its error in its own slot; the others keep
 * their replies. Immutable and thread-safe.
 *
 * {@snippet :
 * PipelineResults r = redis.pipelined(p -> {
 *     p.set("name", "berth");
 *     p.incr("name");          // fails: not an integer
 *     p.get("name");
 * });
 * r.get(0);        // "OK"
 * r.failed(1);     // true; r.get(1) throws the server's error
 * r.get(2);        // "berth"
 * }
 */
public final class PipelineResults {
    private static final PipelineResults EMPTY = new PipelineResults(List.of());
    private final List<Object> replies;

    PipelineResults(List<Object> replies) {
        this.replies = Collections.unmodifiableList(replies);
    }

    static PipelineResults empty() {
        return EMPTY;
    }

    /** @return how many commands were queued */
    public int size() {
        return replies.size();
    }

    /**
     * The reply of one command.
     *
     * @param index the command's position, from 0
     * @return the reply as Jedis builds it (a {@code String} for GET, a {@code Long} for INCR, ...)
     * @throws JedisDataException the server's error, when this command failed
     * @throws IndexOutOfBoundsException when fewer commands were queued
     */
    public Object get(int index) {
        Object reply = replies.get(index);
        if (reply instanceof JedisDataException e) {
            throw new JedisDataException("command #" + index + " of the pipeline failed: " + e.getMessage(), e);
        }
        return reply;
    }

    /**
     * @param index the command's position, from 0
     * @return whether the server answered this command with an error
     */
    public boolean failed(int index) {
        return replies.get(index) instanceof JedisDataException;
    }

    /**
     * @param index the command's position, from 0
     * @return the server's error for this command, or empty when it succeeded
     */
    public Optional<JedisDataException> error(int index) {
        return replies.get(index) instanceof JedisDataException e ? Optional.of(e) : Optional.empty();
    }

    /** @return every reply in order, errors as {@link JedisDataException} values in their slots */
    public List<Object> replies() {
        return replies;
    }

    @Override
    public String toString() {
        return "PipelineResults" + replies;
    }
}
