package io.imago.migration;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.sql.SQLException;
import java.time.Duration;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/** The stream's "has anything but a keepalive arrived?", answered from the driver's buffer and the socket. */
class SlotStreamTest {

    @Test
    void theDriversBuffersCanBeRead() {
        assertTrue(StreamBacklog.supported(), "the driver's pgStream/pgInput fields moved: the shipper would wait 1 ms to end every group");
    }

    @Test
    void saysNothingIsWaitingOnceDrainedAndSomethingOnceAChangeArrives() throws Exception {
        PgServers.Pair p = PgServers.fresh("slot_stream");
        Db.exec(p.source(), "CREATE TABLE t (id int PRIMARY KEY)", "CREATE PUBLICATION ss_pub FOR TABLE t",
                "SELECT pg_create_logical_replication_slot('ss', 'pgoutput')");
        Lsn start = Lsn.parse(Shipping.slotConfirmed(p.source(), "ss"));
        try (SlotStream s = SlotStream.open(p.source(), "ss", "ss_pub", start, Duration.ZERO)) {
            // Drained: whatever is left is at most a keepalive (other databases' WAL makes the walsender send some).
            assertEventually(() -> {
                drain(s);
                return !s.maybeWaiting();
            }, "nothing waiting once drained");
            Db.exec(p.source(), "INSERT INTO t VALUES (1)");
            assertEventually(s::maybeWaiting, "a change waiting once committed");
            ByteBuffer first = null;
            while (first == null) {
                first = s.readPending();
            }
            assertInstanceOf(PgOutputMessage.Begin.class, PgOutputDecoder.decode(first));
        } finally {
            Db.exec(p.source(), "SELECT pg_drop_replication_slot('ss')");
        }
    }

    private static void drain(SlotStream s) {
        try {
            while (s.readPending() != null) {
                // the slot's earlier messages, if any
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void assertEventually(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, what + " within 20 s");
            Thread.sleep(5);
        }
    }
}
