package io.imago.quickstart.shop;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Properties;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A tiny connection pool: at most {@code max} connections, idle ones kept for reuse. A connection
 * idle for a while is checked before use, and one that failed is checked after, so a restarted
 * or unreachable database costs failed requests only while it is down: the next request opens a
 * fresh connection.
 */
final class Db implements AutoCloseable {
    /** One unit of work on a borrowed connection. */
    interface Work<T> {
        T run(Connection c) throws SQLException;
    }

    private record Idle(Connection connection, long sinceNanos) {}

    private static final long CHECK_AFTER_IDLE_NANOS = TimeUnit.SECONDS.toNanos(5);

    private final DbUrl url;
    private final Properties props = new Properties();
    private final org.postgresql.Driver driver = new org.postgresql.Driver();
    private final LinkedBlockingDeque<Idle> idle = new LinkedBlockingDeque<>();
    private final Semaphore permits;

    Db(DbUrl url, String applicationName, int max) {
        this.url = url;
        this.permits = new Semaphore(max);
        if (url.user() != null) {
            props.setProperty("user", url.user());
        }
        if (url.password() != null) {
            props.setProperty("password", url.password());
        }
        props.setProperty("ApplicationName", applicationName);
        props.setProperty("connectTimeout", "3");
        props.setProperty("loginTimeout", "5");
        props.setProperty("socketTimeout", "30");
        props.setProperty("tcpKeepAlive", "true");
    }

    <T> T with(Work<T> work) throws SQLException {
        try {
            if (!permits.tryAcquire(10, TimeUnit.SECONDS)) {
                throw new SQLException("no database connection free after 10s", "08004");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SQLException("interrupted while waiting for a database connection", "08004");
        }
        try {
            Connection c = borrow();
            T result;
            try {
                result = work.run(c);
            } catch (SQLException | RuntimeException e) {
                giveBackOrClose(c);
                throw e;
            }
            idle.offerFirst(new Idle(c, System.nanoTime()));
            return result;
        } finally {
            permits.release();
        }
    }

    private Connection borrow() throws SQLException {
        Idle i;
        while ((i = idle.pollFirst()) != null) {
            boolean fresh = System.nanoTime() - i.sinceNanos() < CHECK_AFTER_IDLE_NANOS;
            if (fresh || valid(i.connection())) {
                return i.connection();
            }
            closeQuietly(i.connection());
        }
        Connection c = driver.connect(url.jdbcUrl(), props);
        if (c == null) {
            throw new SQLException("pgjdbc does not accept the URL " + url.jdbcUrl(), "08001");
        }
        return c;
    }

    /** After a failure: keep the connection only if it still works and has no open transaction. */
    private void giveBackOrClose(Connection c) {
        try {
            if (!c.getAutoCommit()) {
                c.rollback();
                c.setAutoCommit(true);
            }
            if (valid(c)) {
                idle.offerFirst(new Idle(c, System.nanoTime()));
                return;
            }
        } catch (SQLException ignored) {
            // closed below
        }
        closeQuietly(c);
        // A connection that broke usually means the server restarted: its idle siblings are broken too.
        close();
    }

    private static boolean valid(Connection c) {
        try {
            return c.isValid(2);
        } catch (SQLException e) {
            return false;
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException ignored) {
            // already broken
        }
    }

    @Override
    public void close() {
        Idle i;
        while ((i = idle.pollFirst()) != null) {
            closeQuietly(i.connection());
        }
    }
}
