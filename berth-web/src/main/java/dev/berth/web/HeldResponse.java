package dev.berth.web;

import dev.berth.web.RequestTiming.Outcome;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;

/**
 * The response {@link SessionFilter} hands the servlet: status and headers go through to the container's
 * response (which stays uncommitted), while the body, {@code sendError} and {@code sendRedirect} are held back
 * until the response starts. Starting ends the request's transaction first; only when it committed (or was
 * meant to roll back) does anything reach the container, and when the commit failed the response becomes a 500.
 * Used by the request's thread only.
 */
final class HeldResponse extends HttpServletResponseWrapper {

    private final HttpServletResponse real;
    private final RequestSession session;
    private final HeldOutput output = new HeldOutput();
    private int limit;
    private PrintWriter writer;
    private Charset writerCharset;
    private boolean outputUsed;
    private boolean started;
    private boolean finishing;
    private boolean commitFailed;
    private int heldErrorStatus = -1;
    private String heldErrorMessage;
    private String heldRedirect;

    HeldResponse(HttpServletResponse real, RequestSession session, int limit) {
        super(real);
        this.real = real;
        this.session = session;
        this.limit = limit;
    }

    // ---- the servlet's view ------------------------------------------------------------------------------

    @Override
    public ServletOutputStream getOutputStream() {
        if (writer != null) {
            throw new IllegalStateException("getWriter() was already called on this response; a servlet may use either "
                    + "getWriter() or getOutputStream(), not both");
        }
        outputUsed = true;
        return output;
    }

    @Override
    public PrintWriter getWriter() {
        if (writer == null) {
            if (outputUsed) {
                throw new IllegalStateException("getOutputStream() was already called on this response; a servlet may use "
                        + "either getWriter() or getOutputStream(), not both");
            }
            String encoding = real.getCharacterEncoding();
            writerCharset = encoding == null ? StandardCharsets.ISO_8859_1 : Charset.forName(encoding);
            writer = new PrintWriter(new OutputStreamWriter(output, writerCharset));
        }
        return writer;
    }

    @Override
    public int getStatus() {
        return !started && heldErrorStatus >= 0 ? heldErrorStatus : real.getStatus();
    }

    @Override
    public void sendError(int status, String message) throws IOException {
        if (started) {
            real.sendError(status, message);
            return;
        }
        output.discard();
        heldErrorStatus = status;
        heldErrorMessage = message;
    }

    @Override
    public void sendError(int status) throws IOException {
        sendError(status, null);
    }

    @Override
    public void sendRedirect(String location) throws IOException {
        if (started) {
            real.sendRedirect(location);
            return;
        }
        output.discard();
        heldRedirect = location;
        heldErrorStatus = SC_FOUND;
    }

    /**
     * Servlet 6.1's redirect, which Jakarta EE 11 containers route every {@code sendRedirect} overload to; berth
     * compiles against Servlet 6.0, so this only overrides on 6.1 containers, where it holds the redirect too.
     */
    public void sendRedirect(String location, int status, boolean clearBuffer) throws IOException {
        if (started) {
            real.sendRedirect(location);
            return;
        }
        output.discard();
        heldRedirect = location;
        heldErrorStatus = status;
    }

    @Override
    public void flushBuffer() throws IOException {
        if (writer != null) {
            writer.flush();
        }
        start("the servlet flushed the response");
        real.flushBuffer();
    }

    @Override
    public boolean isCommitted() {
        return started ? real.isCommitted() : heldErrorStatus >= 0;
    }

    @Override
    public void reset() {
        if (!started) {
            output.discard();
            heldErrorStatus = -1;
            heldErrorMessage = null;
            heldRedirect = null;
        }
        real.reset();
    }

    @Override
    public void resetBuffer() {
        if (started) {
            real.resetBuffer();
        } else {
            output.discard();
        }
    }

    @Override
    public void setBufferSize(int size) {
        if (!started) {
            limit = Math.max(0, size);
        }
        real.setBufferSize(size);
    }

    @Override
    public int getBufferSize() {
        return started ? real.getBufferSize() : limit;
    }

    // ---- the filter's view -------------------------------------------------------------------------------

    /** The servlet returned: start the response (ending the transaction) unless it started already. */
    void finish() throws IOException {
        finishing = true;
        if (writer != null) {
            writer.flush();
        }
        start("the servlet returned");
    }

    /** The servlet threw: drop what was held; @return the status the client will get */
    int abandon() {
        if (!started) {
            started = true;
            output.discard();
            return HttpServletResponse.SC_INTERNAL_SERVER_ERROR;
        }
        return real.getStatus();
    }

    boolean commitFailed() {
        return commitFailed;
    }

    int sentStatus() {
        return commitFailed ? HttpServletResponse.SC_INTERNAL_SERVER_ERROR : real.getStatus();
    }

    /** Ends the transaction, then lets the held status, headers and body through (or a 500 in their place). */
    private void start(String because) throws IOException {
        if (started) {
            return;
        }
        started = true;
        int status = heldErrorStatus >= 0 ? heldErrorStatus : real.getStatus();
        if (session.end(status, finishing ? "the servlet returned" : because) == Outcome.COMMIT_FAILED) {
            commitFailed = true;
            output.discard();
            sendCommitFailure(session.commitFailure());
            return;
        }
        if (heldRedirect != null && heldErrorStatus == SC_FOUND) {
            real.sendRedirect(heldRedirect);
        } else if (heldRedirect != null) {
            real.resetBuffer();
            real.setStatus(heldErrorStatus);
            real.setHeader("Location", heldRedirect);
        } else if (heldErrorStatus >= 0) {
            real.sendError(heldErrorStatus, heldErrorMessage);
        } else {
            if (writerCharset != null) {
                real.setCharacterEncoding(writerCharset.name());
            }
            output.release(real.getOutputStream());
        }
    }

    private void sendCommitFailure(SQLException failure) throws IOException {
        real.reset();
        real.setStatus(HttpServletResponse.SC_INTERNAL_SERVER_ERROR);
        real.setContentType("text/plain;charset=utf-8");
        String state = failure == null || failure.getSQLState() == null ? "" : " (SQLSTATE " + failure.getSQLState() + ")";
        real.getOutputStream().write(("The request's changes could not be saved: the database refused to commit them"
                + state + ", so nothing was changed.\n").getBytes(StandardCharsets.UTF_8));
    }

    /** The body: held in memory until the response starts, then written straight through. */
    private final class HeldOutput extends ServletOutputStream {
        private final ByteArrayOutputStream held = new ByteArrayOutputStream();
        private ServletOutputStream sink;

        void discard() {
            held.reset();
        }

        void release(ServletOutputStream to) throws IOException {
            sink = to;
            if (held.size() > 0) {
                held.writeTo(to);
                held.reset();
            }
        }

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int offset, int length) throws IOException {
            requireWritable();
            if (!started && heldErrorStatus >= 0) {
                return;   // after sendError or sendRedirect the body is ignored, as the Servlet spec says
            }
            if (!started && held.size() + length > limit) {
                start("the body outgrew the response buffer of " + limit + " bytes");
                requireWritable();
            }
            if (started) {
                if (sink != null) {
                    sink.write(bytes, offset, length);
                }
            } else {
                held.write(bytes, offset, length);
            }
        }

        @Override
        public void flush() throws IOException {
            requireWritable();
            start("the servlet flushed the response");
            requireWritable();
            if (sink != null) {
                sink.flush();
            }
        }

        @Override
        public void close() throws IOException {
            if (started && sink != null) {
                sink.close();
            }
            // before the start, the filter sends the held body when the servlet returns
        }

        private void requireWritable() throws IOException {
            if (commitFailed) {
                throw new IOException("the request's transaction failed to commit when the response started, so the "
                        + "response was replaced by a 500; stop writing the body");
            }
        }

        @Override
        public boolean isReady() {
            return sink == null || sink.isReady();
        }

        @Override
        public void setWriteListener(WriteListener listener) {
            throw new IllegalStateException("SessionFilter does not support asynchronous output (setWriteListener): the "
                    + "request's transaction ends when the filter chain returns; write the body blockingly (cheap on "
                    + "virtual threads)");
        }
    }
}
