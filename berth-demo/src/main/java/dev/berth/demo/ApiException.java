package dev.berth.demo;

/**
 * A request the API refuses, with the HTTP status and the JSON error it becomes:
 * {@code {"error": "<code>", "message": "<what was wrong, naming the value, and the fix>"}}.
 * Thrown from inside a transaction it rolls the transaction back, and it is never retried.
 */
final class ApiException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final int status;
    private final String code;

    ApiException(int status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    static ApiException badRequest(String code, String message) {
        return new ApiException(400, code, message);
    }

    static ApiException notFound(String code, String message) {
        return new ApiException(404, code, message);
    }

    static ApiException conflict(String code, String message) {
        return new ApiException(409, code, message);
    }

    int status() {
        return status;
    }

    String code() {
        return code;
    }
}
