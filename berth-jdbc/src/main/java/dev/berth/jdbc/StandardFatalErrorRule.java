package dev.berth.jdbc;

import java.sql.SQLException;
import java.util.function.Predicate;
import org.postgresql.util.PSQLException;
import org.postgresql.util.ServerErrorMessage;

/** {@link FatalErrorRule#standard()}: the verdicts its javadoc lists. Stateless. */
final class StandardFatalErrorRule implements FatalErrorRule {

    static final StandardFatalErrorRule INSTANCE = new StandardFatalErrorRule();

    /** read_only_sql_transaction: a write refused because the transaction (or the whole server) is read-only. */
    private static final String READ_ONLY_TRANSACTION = "25006";
    /** feature_not_supported, which PostgreSQL also raises for a cached plan whose result type changed. */
    private static final String FEATURE_NOT_SUPPORTED = "0A000";
    /** The server function that raises it: the same in every server locale, unlike the message. */
    private static final String CACHED_PLAN_ROUTINE = "RevalidateCachedQuery";
    private static final String CACHED_PLAN_MESSAGE = "cached plan must not change result type";
    private static final int MAX_DEPTH = 20;

    private StandardFatalErrorRule() {
    }

    @Override
    public Verdict judge(SQLException failure, Context context) {
        if (ConnectionLoss.isLoss(failure)) {
            return Verdict.SERVER;
        }
        if (!context.readOnlyPool() && !context.readOnlyConnection() && context.serverWhenOpened() != ServerMode.READ_ONLY
                && context.server() != ServerMode.READ_WRITE
                && anyInChains(failure, e -> READ_ONLY_TRANSACTION.equals(e.getSQLState()))) {
            return Verdict.FAILOVER;
        }
        if (anyInChains(failure, StandardFatalErrorRule::isCachedPlanChange)) {
            return Verdict.CONNECTION;
        }
        return Verdict.NOT_FATAL;
    }

    private static boolean isCachedPlanChange(SQLException e) {
        if (!FEATURE_NOT_SUPPORTED.equals(e.getSQLState())) {
            return false;
        }
        if (e instanceof PSQLException psql) {
            ServerErrorMessage server = psql.getServerErrorMessage();
            if (server != null && CACHED_PLAN_ROUTINE.equals(server.getRoutine())) {
                return true;
            }
        }
        return String.valueOf(e.getMessage()).contains(CACHED_PLAN_MESSAGE);
    }

    /** Whether an SQLException along the cause chain or the next-exception chain (each at most 20 deep) matches. */
    private static boolean anyInChains(SQLException failure, Predicate<SQLException> test) {
        int nextDepth = 0;
        for (SQLException next = failure; next != null && nextDepth < MAX_DEPTH; nextDepth++) {
            int depth = 0;
            for (Throwable t = next; t != null && depth < MAX_DEPTH; t = t.getCause(), depth++) {
                if (t instanceof SQLException sql && test.test(sql)) {
                    return true;
                }
            }
            SQLException following = next.getNextException();
            next = following == next ? null : following;
        }
        return false;
    }

    @Override
    public String toString() {
        return "FatalErrorRule.standard()";
    }
}
