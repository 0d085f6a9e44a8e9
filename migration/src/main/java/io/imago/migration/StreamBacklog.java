package io.imago.migration;

import java.io.InputStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.sql.Connection;
import java.sql.SQLException;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.PGStream;
import org.postgresql.core.QueryExecutorBase;

/**
 * Whether bytes of the replication stream have arrived and not been read yet, found without waiting.
 *
 * <p>Why not the driver's own check: {@code PGReplicationStream.readPending()} looks for a message with a
 * blocking read of up to 1 ms when its buffer is empty. The shipper asks "is more waiting?" after every source
 * commit to decide whether to end the target transaction; asked that way, every answer "no" cost 1 ms, and a
 * group went on as long as the next transaction came within 1 ms: at 1,000 transactions a second a change
 * waited 2–5 ms to be committed on the target. Here the answer is the driver's read buffer plus the socket's
 * (its {@code available()}), which costs one system call. The driver keeps both in private fields, read by
 * reflection (its stream once per connection, the buffer at each check); should a driver version rename them, the check answers "maybe" and the
 * shipper falls back to the driver's 1 ms wait (slower, never wrong).
 */
final class StreamBacklog {
    /** CopyData: type, length; primary keepalive: type, WAL end, clock, reply requested. */
    static final int KEEPALIVE_BYTES = 1 + 4 + 1 + 8 + 8 + 1;
    private static final MethodHandle PG_STREAM = field(QueryExecutorBase.class, "pgStream");
    private static final MethodHandle PG_INPUT = field(PGStream.class, "pgInput");

    /** The driver's stream; its read buffer is looked up at each check (the driver may swap it). */
    private final Object stream;

    private StreamBacklog(Object stream) {
        this.stream = stream;
    }

    /** For the replication connection {@code c}; never fails: without access it always answers "maybe". */
    static StreamBacklog of(Connection c) {
        if (PG_STREAM == null || PG_INPUT == null) {
            return new StreamBacklog(null);
        }
        try {
            Object executor = c.unwrap(BaseConnection.class).getQueryExecutor();
            return new StreamBacklog(executor instanceof QueryExecutorBase ? PG_STREAM.invoke(executor) : null);
        } catch (Error e) {
            throw e;
        } catch (Throwable e) {
            return new StreamBacklog(null);
        }
    }

    /** Whether the buffered-bytes check works with this driver (tests pin it; it may not silently regress). */
    static boolean supported() {
        return PG_STREAM != null && PG_INPUT != null;
    }

    /**
     * Whether something other than a lone keepalive has arrived and is not read yet; true also when that cannot
     * be told. Never waits.
     *
     * <p>A lone keepalive does not count: a walsender that has sent everything sends one each time it goes to
     * wait for more WAL while the client's confirmed position lags what it sent, which for the shipper (it
     * confirms only what is durable) is after nearly every transaction. The driver reads it away internally and
     * then waits its 1 ms all the same. A keepalive is {@value #KEEPALIVE_BYTES} bytes on the wire; a message
     * with data is longer. The count is the driver buffer's or, when that is empty, the socket's; misjudging
     * only ends a group of transactions earlier or later, never loses or repeats a change.
     */
    boolean maybeWaiting() {
        if (stream == null) {
            return true;
        }
        try {
            int bytes = ((InputStream) PG_INPUT.invoke(stream)).available();
            return bytes != 0 && bytes != KEEPALIVE_BYTES;
        } catch (Error e) {
            throw e;
        } catch (Throwable e) {
            return true; // a broken connection: the read that follows reports it
        }
    }

    private static MethodHandle field(Class<?> owner, String name) {
        try {
            var f = owner.getDeclaredField(name);
            f.setAccessible(true);
            return MethodHandles.lookup().unreflectGetter(f);
        } catch (ReflectiveOperationException | RuntimeException e) {
            return null;
        }
    }
}
