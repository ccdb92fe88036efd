package dev.berth.jdbc.tx;

import dev.berth.scope.Scope;

/**
 * {@link Database#scope(TransactionOptions)}: enter begins a transaction, exit commits it when the body
 * completed and rolls it back when it failed. Like most scopes it serves one caller at a time: it remembers the
 * transaction between its {@code enter} and its {@code exit}, and may be entered again after that.
 */
final class TransactionScope implements Scope<Transaction> {

    private final Database database;
    private final TransactionOptions options;
    private Transaction open;

    TransactionScope(Database database, TransactionOptions options) {
        this.database = database;
        this.options = options;
    }

    @Override
    public Transaction enter() throws Exception {
        if (open != null) {
            throw new IllegalStateException("this transaction scope is already entered and not exited yet; a scope serves "
                    + "one caller at a time: call db.scope(options) once per use");
        }
        open = database.begin(options);
        return open;
    }

    @Override
    public boolean exit(Throwable failure) throws Exception {
        Transaction tx = open;
        open = null;
        if (failure == null) {
            tx.commit();
        } else {
            tx.rollback();
        }
        return false;
    }
}
