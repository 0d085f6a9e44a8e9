package io.imago.migration;

import java.sql.Connection;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

class ScratchTest {
    @Test
    void scratch() throws Exception {
        PgServers.Pair p = PgServers.fresh("scratch");
        PgEndpoint src = p.source();
        Db.exec(src, "CREATE TABLE items (id int PRIMARY KEY, name text)", "CREATE PUBLICATION pub FOR TABLE items",
                "SELECT pg_create_logical_replication_slot('scratch', 'pgoutput')", "SELECT pg_replication_origin_create('o1')");
        try (Connection c = src.connect(); Statement st = c.createStatement()) {
            st.execute("INSERT INTO items (id, name) VALUES (1, 'plain')");
            st.execute("SELECT pg_replication_origin_session_setup('o1')");
            st.execute("INSERT INTO items (id, name) VALUES (2, 'origin, autocommit')");
            c.setAutoCommit(false);
            st.execute("SELECT pg_replication_origin_xact_setup('0/ABCDEF', '2021-05-06 07:08:09+00')");
            st.execute("INSERT INTO items (id, name) VALUES (3, 'from elsewhere')");
            st.execute("SELECT pg_logical_emit_message(true, 'imago', 'hello')");
            c.commit();
            c.setAutoCommit(true);
            st.execute("SELECT pg_replication_origin_session_reset()");
        }
        System.out.println(Db.rows(src, "SELECT * FROM items"));
        System.out.println(Db.rows(src, "SELECT slot_name, confirmed_flush_lsn, restart_lsn, pg_current_wal_lsn(), pg_current_wal_insert_lsn() FROM pg_replication_slots"));
        System.out.println(Db.rows(src, "SELECT lsn, xid, length(data), get_byte(data,0) FROM pg_logical_slot_peek_binary_changes('scratch', NULL, NULL, 'proto_version', '1', 'publication_names', 'pub')"));
        System.out.println(Db.rows(src, "SELECT * FROM pg_replication_origin_status"));
        for (var x : PgOutputDecoderTest.peek(src, "scratch", "pub")) System.out.println(x);
        for (var x : PgOutputDecoderTest.peek(src, "scratch", "pub", "messages", "true")) System.out.println(x);
    }
}
