package io.imago.migration;

import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.postgresql.PGConnection;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

/**
 * The slot's {@code pgoutput} stream (protocol version 1, one publication) on its own walsender connection,
 * read by polling. Owned by the shipping thread, except {@link #abort()}, which any thread may call.
 */
final class SlotStream implements AutoCloseable {
    private final Connection connection;
    private final PGReplicationStream stream;
    private final long stallNanos;
    private final StreamBacklog backlog;

    private SlotStream(Connection connection, PGReplicationStream stream, long stallNanos) {
        this.connection = connection;
        this.stream = stream;
        this.stallNanos = stallNanos;
        this.backlog = StreamBacklog.of(connection);
    }

    /**
     * Starts streaming the slot at {@code start}. While another session still holds the slot (an earlier
     * shipper's walsender that has not exited yet: object in use), tries again every 200 ms for up to
     * {@code busyWait}; zero: a single attempt.
     */
    static SlotStream open(PgEndpoint source, String slot, String publication, Lsn start, Duration busyWait) throws SQLException {
        long deadline = System.nanoTime() + busyWait.toNanos();
        while (true) {
            Connection c = source.connectReplicationStream();
            try {
                PGReplicationStream s = c.unwrap(PGConnection.class).getReplicationAPI().replicationStream().logical()
                        .withSlotName(slot)
                        .withSlotOption("proto_version", "1")
                        .withSlotOption("publication_names", Sql.ident(publication))
                        .withStartPosition(LogSequenceNumber.valueOf(start.value()))
                        .withStatusInterval(10, TimeUnit.SECONDS)
                        .start();
                // A poll that took most of the socket timeout hit it (see read()).
                long stall = TimeUnit.SECONDS.toNanos(PgEndpoint.REPLICATION_STREAM_SOCKET_TIMEOUT.toSeconds()) * 9 / 10;
                return new SlotStream(c, s, stall);
            } catch (SQLException | RuntimeException e) {
                closeQuietly(c);
                if (!PgErrors.objectInUse(e) || System.nanoTime() >= deadline) {
                    throw e;
                }
                try {
                    Thread.sleep(200);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    /**
     * The next message, or null when none has arrived. Never waits for one: a socket timeout cannot fire
     * while the stream is idle.
     *
     * @throws SQLException also (08006, connection lost) when the server ended the stream or a message stalled
     *     for the socket timeout: the driver reports the latter as "no data" and would read on from the middle
     *     of the message
     */
    ByteBuffer readPending() throws SQLException {
        long began = System.nanoTime();
        ByteBuffer b = stream.readPending();
        if (b == null) {
            if (System.nanoTime() - began >= stallNanos) {
                throw new SQLException("the source stopped sending in the middle of a replication message for "
                        + PgEndpoint.REPLICATION_STREAM_SOCKET_TIMEOUT.toSeconds() + " s", PgErrors.CONNECTION_FAILURE);
            }
            if (stream.isClosed()) {
                throw new SQLException("the source ended the replication stream (shutting down?)", PgErrors.CONNECTION_FAILURE);
            }
        }
        return b;
    }

    /**
     * Whether a message with data may be waiting: false only when nothing but a lone keepalive has arrived unread,
     * found without waiting (where {@link #readPending} would wait up to 1 ms to say so); see {@link StreamBacklog}.
     */
    boolean maybeWaiting() {
        return backlog.maybeWaiting();
    }

    /** The furthest position the server said it has sent: a message's start, or a keepalive's WAL end. */
    Lsn lastReceived() {
        return new Lsn(stream.getLastReceiveLSN().asLong());
    }

    /** Tells the server the position is durably applied (it may recycle the log before it) and asks for a keepalive. */
    void confirm(Lsn position) throws SQLException {
        LogSequenceNumber lsn = LogSequenceNumber.valueOf(position.value());
        stream.setFlushedLSN(lsn);
        stream.setAppliedLSN(lsn);
        stream.forceUpdateStatus();
    }

    /**
     * Closes the connection: the walsender ends (it may hold the slot a moment longer). Sends the terminate
     * message and closes the socket, without waiting for an answer: bounded even on a frozen server.
     */
    @Override
    public void close() {
        closeQuietly(connection);
    }

    /** Pulls the socket from under a thread that is stuck reading. Any thread. */
    void abort() {
        try {
            connection.abort(Runnable::run);
        } catch (SQLException | RuntimeException ignored) {
            // gone already
        }
    }

    private static void closeQuietly(Connection c) {
        try {
            c.close();
        } catch (SQLException | RuntimeException ignored) {
            // closing anyway
        }
    }
}
