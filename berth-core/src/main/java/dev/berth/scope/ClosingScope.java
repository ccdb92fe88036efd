package dev.berth.scope;

/**
 * An already open {@link AutoCloseable} seen as a {@link Scope}: {@code enter} hands it out, {@code exit}
 * closes it. Returned by {@link Scopes#closing(AutoCloseable)}.
 *
 * @param <C> the closeable's type
 */
final class ClosingScope<C extends AutoCloseable> implements Scope<C> {

    private final C closeable;

    ClosingScope(C closeable) {
        this.closeable = closeable;
    }

    @Override
    public C enter() {
        return closeable;
    }

    @Override
    public boolean exit(Throwable failure) throws Exception {
        closeable.close();
        return false;
    }

    @Override
    public String toString() {
        return "closing " + closeable.getClass().getName();
    }
}
