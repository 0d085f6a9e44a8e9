package io.imago.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.postgresql.core.BaseConnection;
import org.postgresql.core.TransactionState;

/**
 * The end of a target transaction: the group's last change (when it is alone), the position record and the
 * commit go in one statement; it must commit all three or, failing, leave nothing.
 */
class ChangeApplierCommitTest {
    private static final String DDL = "CREATE TABLE kv (id int PRIMARY KEY, v text, email text UNIQUE)";

    private static ShippedTable kv(PgServers.Pair p) {
        return new ShippedTable(Db.plan(p, List.of("kv"), List.of()).get(0));
    }

    @Test
    void aLoneChangeCommitsWithItsRecordAndTheNextGroupOpensANewTransaction() throws Exception {
        PgServers.Pair p = PgServers.fresh("commit_lone");
        Db.exec(p.source(), DDL);
        Db.exec(p.target(), DDL);
        ShippedTable kv = kv(p);
        try (Connection c = p.target().connect()) {
            ShippingRecord.ensureTable(c);
            ChangeApplier.prepareSession(c);
            try (ChangeApplier a = new ChangeApplier(c, p.source(), "s1")) {
                a.insert(kv, new String[] {"1", "one", "a@x"});
                ChangeApplier.TargetWal wal = a.commit(new Lsn(0x1000), Instant.parse("2026-12-02T10:00:00Z"));
                assertTrue(wal.flush().compareTo(wal.insert()) <= 0, "read before the commit: " + wal);
                assertEquals(TransactionState.IDLE, c.unwrap(BaseConnection.class).getTransactionState());
                assertEquals(List.of("1|one|a@x"), Db.rows(p.target(), "SELECT id, v, email FROM kv"));
                assertEquals(Optional.of(new Lsn(0x1000)), ShippingRecord.read(c, "s1"));
                c.commit();

                // Several changes: the batch first, then the record with the commit.
                a.insert(kv, new String[] {"2", "two", "b@x"});
                a.update(kv, null, false, new String[] {"1", "one+", "a@x"}, null);
                a.commit(new Lsn(0x2000), null);
                assertEquals(List.of("1|one+|a@x", "2|two|b@x"), Db.rows(p.target(), "SELECT id, v, email FROM kv ORDER BY id"));
                assertEquals(Optional.of(new Lsn(0x2000)), ShippingRecord.read(c, "s1"));
                c.commit();
            }
        }
    }

    @Test
    void aLoneChangeThatFailsLeavesNeitherItNorTheRecord() throws Exception {
        PgServers.Pair p = PgServers.fresh("commit_fail");
        Db.exec(p.source(), DDL);
        Db.exec(p.target(), DDL, "INSERT INTO kv VALUES (9, 'nine', 'taken@x')");
        ShippedTable kv = kv(p);
        try (Connection c = p.target().connect()) {
            ShippingRecord.ensureTable(c);
            ChangeApplier.prepareSession(c);
            try (ChangeApplier a = new ChangeApplier(c, p.source(), "s1")) {
                a.insert(kv, new String[] {"1", "one", "taken@x"}); // the unique email is taken on the target
                SQLException e = assertThrows(SQLException.class, () -> a.commit(new Lsn(0x1000), null));
                assertTrue(e.getMessage().startsWith("applying changes to target table 'kv' failed"), e.getMessage());
                assertEquals("23505", e.getSQLState());
                a.rollback();
                assertEquals(List.of("9|nine|taken@x"), Db.rows(p.target(), "SELECT id, v, email FROM kv"));
                assertEquals(Optional.empty(), ShippingRecord.read(c, "s1"));
                c.commit();
            }
        }
    }
}
