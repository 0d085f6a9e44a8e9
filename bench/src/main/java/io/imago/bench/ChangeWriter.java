package io.imago.bench;

import io.imago.migration.PgEndpoint;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Writes single-row transactions to {@code ticks} at a fixed rate: half inserts, four in ten updates, one in
 * ten deletes of the oldest rows. Inserts and updates stamp the row with clock_timestamp(), which is what the
 * lag probe on the target reads. Writer {@code i} of {@code n} touches only ids congruent to i modulo n, so
 * several writers share the rate without meeting.
 */
final class ChangeWriter implements Runnable {
    private final PgEndpoint source;
    private final int perSecond;
    private final AtomicBoolean stop = new AtomicBoolean();
    final AtomicLong written = new AtomicLong();
    final AtomicLong behind = new AtomicLong(); // changes written later than scheduled by more than 100 ms
    private volatile Throwable failure;
    private final int stride;
    private long nextId;
    private long oldest;

    /** @param firstFreeId ids from here on are free; {@code firstLiveId} the oldest row there is */
    ChangeWriter(PgEndpoint source, int perSecond, long firstLiveId, long firstFreeId, int writer, int writers) {
        this.source = source;
        this.perSecond = perSecond;
        this.stride = writers;
        this.oldest = up(firstLiveId, writer, writers);
        this.nextId = up(firstFreeId, writer, writers);
    }

    /** The first id at or above {@code id} that is writer {@code i} of {@code n}'s. */
    private static long up(long id, int i, int n) {
        return id + Math.floorMod(i - id, n);
    }

    void stop() {
        stop.set(true);
    }

    Throwable failure() {
        return failure;
    }

    @Override
    public void run() {
        try (Connection c = source.connect();
             PreparedStatement ins = c.prepareStatement("INSERT INTO ticks (id, k, v, stamped_at, pad) VALUES (?, ?, 0, clock_timestamp(), "
                     + "'some forty characters of payload, roughly')");
             PreparedStatement upd = c.prepareStatement("UPDATE ticks SET v = v + 1, stamped_at = clock_timestamp() WHERE id = ?");
             PreparedStatement del = c.prepareStatement("DELETE FROM ticks WHERE id = ?")) {
            long t0 = System.nanoTime();
            long i = 0;
            java.util.Random random = new java.util.Random(42);
            while (!stop.get()) {
                long due = t0 + i * 1_000_000_000L / perSecond;
                long wait = due - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
                } else if (wait < -100_000_000L) {
                    behind.incrementAndGet();
                }
                int kind = (int) (i % 10);
                if (kind < 5) {
                    ins.setLong(1, nextId);
                    ins.setInt(2, (int) (nextId % 1000));
                    ins.executeUpdate();
                    nextId += stride;
                } else if (kind < 9) {
                    long live = (nextId - oldest) / stride;
                    upd.setLong(1, oldest + stride * (1 + (long) (random.nextDouble() * (live - 1))));
                    upd.executeUpdate();
                } else {
                    del.setLong(1, oldest);
                    oldest += stride;
                    del.executeUpdate();
                }
                written.incrementAndGet();
                i++;
            }
        } catch (SQLException | RuntimeException e) {
            failure = e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
