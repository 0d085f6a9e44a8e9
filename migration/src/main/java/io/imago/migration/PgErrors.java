package io.imago.migration;

import java.sql.SQLException;
import java.util.Optional;

/**
 * What a PostgreSQL failure means for the caller, in one place instead of SQLState literals in every
 * file: a lock that was not had in time, an object another session uses, a statement cancelled by a
 * timeout, or a connection that is gone (the server died, froze past a timeout, or restarted).
 */
public final class PgErrors {
    /** connection_failure: what imago raises itself when a connection turns out to be unusable. */
    static final String CONNECTION_FAILURE = "08006";
    /** object_in_use: what imago raises itself when a slot stays held by another session. */
    static final String OBJECT_IN_USE = "55006";

    private PgErrors() {
    }

    /** lock_timeout ran out (55P03). */
    public static boolean lockTimeout(Throwable e) {
        return state(e).map("55P03"::equals).orElse(false);
    }

    /** The server broke a deadlock by failing this transaction (40P01). */
    public static boolean deadlock(Throwable e) {
        return state(e).map("40P01"::equals).orElse(false);
    }

    /** The object (typically a replication slot) is in use by another session (55006). */
    public static boolean objectInUse(Throwable e) {
        return state(e).map(OBJECT_IN_USE::equals).orElse(false);
    }

    /** The statement was cancelled: statement_timeout or a cancel request (57014). */
    public static boolean cancelled(Throwable e) {
        return state(e).map("57014"::equals).orElse(false);
    }

    /** A foreign key was violated (23503). */
    public static boolean foreignKeyViolation(Throwable e) {
        return state(e).map("23503"::equals).orElse(false);
    }

    /**
     * The connection is gone or could not be made: class 08 (connection exception), 57P01–57P03 (the
     * server is shutting down, crashed or is starting), or an I/O error below the driver. Worth a
     * reconnect with backoff; anything else is a real error to report.
     */
    public static boolean connectionLost(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException s && s.getSQLState() != null) {
                String st = s.getSQLState();
                if (st.startsWith("08") || st.equals("57P01") || st.equals("57P02") || st.equals("57P03")) {
                    return true;
                }
            }
            if (t instanceof java.io.IOException) {
                return true;
            }
        }
        return false;
    }

    /** The SQLState of the first SQLException in the cause chain. */
    public static Optional<String> state(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException s && s.getSQLState() != null) {
                return Optional.of(s.getSQLState());
            }
        }
        return Optional.empty();
    }

    /** The innermost message, for a one-line report (the chain is kept in the exception for --verbose). */
    public static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
