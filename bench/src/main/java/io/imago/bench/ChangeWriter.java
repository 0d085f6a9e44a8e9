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
 * lag probe on the target reads.
 */
final class ChangeWriter implements Runnable {
    private final PgEndpoint source;
    private final int perSecond;
    private final AtomicBoolean stop = new AtomicBoolean();
    final AtomicLong written = new AtomicLong();
    final AtomicLong behind = new AtomicLong(); // changes written later than scheduled by more than 100 ms
    private volatile Throwable failure;
    private long nextId;
    private long oldest;

    /** @param firstFreeId ids from here on are free; {@code firstLiveId} the oldest row there is */
    ChangeWriter(PgEndpoint source, int perSecond, long firstLiveId, long firstFreeId) {
        this.source = source;
        this.perSecond = perSecond;
        this.oldest = firstLiveId;
        this.nextId = firstFreeId;
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
                    nextId++;
                } else if (kind < 9) {
                    upd.setLong(1, oldest + 1 + (long) (random.nextDouble() * (nextId - oldest - 1)));
                    upd.executeUpdate();
                } else {
                    del.setLong(1, oldest++);
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
