package io.imago.migration;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.LinkedList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The log shipper's view of the source from outside the stream: where the source's log stands now, how old
 * the oldest unapplied commit can be, and a nudge that has the source flush its log. Uses a connection of its
 * own with brief timeouts ({@link PgEndpoint#connectBrief()}), kept between calls and reopened after a loss.
 * Any thread.
 */
final class SourceLagProbe {
    private static final int MAX_SAMPLES = 1000;

    /** The source's log position and clock at one moment. */
    record SourceNow(Lsn position, Instant at) {
    }

    private final PgEndpoint source;
    private final ReentrantLock lock = new ReentrantLock();
    private final LinkedList<SourceNow> samples = new LinkedList<>();
    private volatile Connection connection;

    SourceLagProbe(PgEndpoint source) {
        this.source = source;
    }

    /**
     * The source's current log position and clock. When the kept connection turns out to be lost (the source
     * restarted since the last call), asks once more on a new one.
     *
     * @throws SQLException when the source cannot be asked
     */
    SourceNow now() throws SQLException {
        lock.lock();
        try {
            boolean reused = connection != null;
            try {
                return ask(connection());
            } catch (SQLException e) {
                drop();
                if (!reused || !PgErrors.connectionLost(e)) {
                    throw e;
                }
                try {
                    return ask(connection());
                } catch (SQLException again) {
                    drop();
                    again.addSuppressed(e);
                    throw again;
                }
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * At most this old is the oldest source commit not yet applied, on the source's clock: the smaller of the
     * time since the newest earlier sample whose position {@code applied} has passed, and the time since the
     * newest applied commit ({@code lastCommitTime}); since {@code startedAt} when neither is known. Zero when
     * {@code behind} is false. Remembers {@code now} as a sample.
     */
    Duration age(Lsn applied, boolean behind, SourceNow now, Instant lastCommitTime, Instant startedAt) {
        Duration time = Duration.ZERO;
        synchronized (samples) {
            if (behind) {
                Instant passed = null; // the newest moment the source stood at or before `applied`
                for (SourceNow sample : samples) {
                    if (!applied.isBefore(sample.position())) {
                        passed = sample.at();
                    }
                }
                if (lastCommitTime != null && (passed == null || lastCommitTime.isAfter(passed))) {
                    passed = lastCommitTime;
                }
                time = passed == null ? Duration.between(startedAt, Instant.now()) : Duration.between(passed, now.at());
                if (time.isNegative()) {
                    time = Duration.ZERO;
                }
            }
            samples.addLast(now);
            while (samples.size() > MAX_SAMPLES || (samples.size() > 1 && !applied.isBefore(samples.get(1).position()))) {
                samples.removeFirst(); // keep the newest sample `applied` has passed, and those after it
            }
        }
        return time;
    }

    /** Has the source flush its log up to now: a commit that wrote something and waits for its flush. */
    void flushSourceLog() {
        lock.lock();
        try {
            SourceLogFlush.flush(connection(), "drain");
        } catch (SQLException ignored) {
            // not permitted, the source is read-only, or out of reach: the walwriter flushes on its own in time
            drop();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Closes the connection; if a call is stuck on it (a frozen source) for {@code wait}, pulls it from under
     * that call instead. Bounded.
     */
    void close(Duration wait) {
        boolean locked = false;
        try {
            locked = lock.tryLock(wait.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (locked) {
            try {
                drop();
            } finally {
                lock.unlock();
            }
        } else {
            Connection c = connection;
            if (c != null) {
                try {
                    c.abort(Runnable::run);
                } catch (SQLException | RuntimeException ignored) {
                    // gone already
                }
            }
        }
    }

    private static SourceNow ask(Connection c) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT pg_current_wal_lsn()::text, clock_timestamp()")) {
            rs.next();
            return new SourceNow(Lsn.parse(rs.getString(1)), rs.getObject(2, OffsetDateTime.class).toInstant());
        }
    }

    /** Under the lock. */
    private Connection connection() throws SQLException {
        Connection c = connection;
        if (c == null || c.isClosed()) {
            c = source.connectBrief();
            connection = c;
        }
        return c;
    }

    /** Under the lock. */
    private void drop() {
        Connection c = connection;
        connection = null;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing anyway
            }
        }
    }
}
