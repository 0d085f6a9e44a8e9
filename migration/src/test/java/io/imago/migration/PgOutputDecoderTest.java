package io.imago.migration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imago.migration.PgOutputMessage.Begin;
import io.imago.migration.PgOutputMessage.Column;
import io.imago.migration.PgOutputMessage.Commit;
import io.imago.migration.PgOutputMessage.Delete;
import io.imago.migration.PgOutputMessage.Insert;
import io.imago.migration.PgOutputMessage.LogicalMessage;
import io.imago.migration.PgOutputMessage.Origin;
import io.imago.migration.PgOutputMessage.Relation;
import io.imago.migration.PgOutputMessage.Truncate;
import io.imago.migration.PgOutputMessage.Type;
import io.imago.migration.PgOutputMessage.Update;
import io.imago.migration.PgOutputMessage.Value;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Decodes messages a real server produced: the slot is read with pg_logical_slot_peek_binary_changes. */
class PgOutputDecoderTest {

    record Peeked(Lsn lsn, PgOutputMessage message) {
    }

    static List<Peeked> peek(PgEndpoint e, String slot, String publication, String... extraOptions) throws Exception {
        List<Peeked> out = new ArrayList<>();
        StringBuilder opts = new StringBuilder();
        for (String o : extraOptions) {
            opts.append(", ").append(Sql.literal(o));
        }
        try (Connection c = e.connect(); Statement st = c.createStatement()) {
            // The decoder reads only flushed WAL; the test servers commit asynchronously.
            // (txid_current() would not do: a transaction that wrote no WAL before its commit record commits asynchronously)
            st.execute("SET synchronous_commit = on");
            st.execute("CREATE TEMP TABLE flush_marker ()");
            try (ResultSet rs = st.executeQuery("SELECT lsn::text, data FROM pg_logical_slot_peek_binary_changes(" + Sql.literal(slot)
                    + ", NULL, NULL, 'proto_version', '1', 'publication_names', " + Sql.literal(publication) + opts + ")")) {
                while (rs.next()) {
                    out.add(new Peeked(Lsn.parse(rs.getString(1)), PgOutputDecoder.decode(rs.getBytes(2))));
                }
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    static <T extends PgOutputMessage> List<T> only(List<Peeked> all, Class<T> type) {
        return (List<T>) all.stream().map(Peeked::message).filter(type::isInstance).toList();
    }

    @Test
    void decodesEveryMessageKindAServerSends() throws Exception {
        PgServers.Pair p = PgServers.fresh("decode_all");
        PgEndpoint src = p.source();
        Db.exec(src,
                "CREATE TYPE mood AS ENUM ('sad', 'happy')",
                "CREATE TABLE items (id int PRIMARY KEY, name text, feeling mood, price numeric(8,2), body text, at timestamptz, raw bytea)",
                "ALTER TABLE items ALTER COLUMN body SET STORAGE EXTERNAL",
                "CREATE TABLE notes (txt text, n int)",
                "ALTER TABLE notes REPLICA IDENTITY FULL",
                "CREATE PUBLICATION decode_pub FOR TABLE items, notes",
                "SELECT pg_create_logical_replication_slot('decode_all', 'pgoutput')");
        Instant before = Instant.now().minusSeconds(1);
        Db.exec(src,
                "INSERT INTO items VALUES (1, E'Zoë \\\"q\\\" O''Brien ☃\\ttab', 'happy', 12.50, repeat(md5('x'), 100), "
                        + "'2020-01-02 03:04:05.678+00', '\\x00ff'), (2, NULL, NULL, NULL, NULL, NULL, NULL)",
                "UPDATE items SET name = 'renamed' WHERE id = 1", // body stays toasted: sent as unchanged
                "UPDATE items SET id = 10 WHERE id = 2",          // key changed: the old key is sent
                "DELETE FROM items WHERE id = 10",
                "INSERT INTO notes VALUES ('a', 1), ('a', 1)",
                "UPDATE notes SET n = 2 WHERE ctid = (SELECT ctid FROM notes LIMIT 1)",
                "DELETE FROM notes WHERE n = 2",
                "TRUNCATE notes");
        // A transaction replayed from another node carries its origin; a logical message is sent when asked for.
        Db.exec(src, "SELECT pg_replication_origin_create('decode_origin')");
        try (Connection c = src.connect(); Statement st = c.createStatement()) {
            st.execute("SELECT pg_replication_origin_session_setup('decode_origin')");
            st.execute("BEGIN");
            st.execute("SELECT pg_replication_origin_xact_setup('0/ABCDEF', '2021-05-06 07:08:09+00')");
            st.execute("INSERT INTO items (id, name) VALUES (3, 'from elsewhere')");
            st.execute("SELECT pg_logical_emit_message(true, 'imago', 'hello')");
            st.execute("COMMIT");
            st.execute("SELECT pg_replication_origin_session_reset()");
        }

        List<Peeked> all = peek(src, "decode_all", "decode_pub", "messages", "true");
        List<Begin> begins = only(all, Begin.class);
        List<Commit> commits = only(all, Commit.class);
        assertEquals(begins.size(), commits.size());
        assertEquals(9, commits.size(), all.toString());
        for (int i = 0; i < begins.size(); i++) {
            Begin b = begins.get(i);
            Commit c = commits.get(i);
            assertEquals(b.finalLsn(), c.commitLsn());
            assertTrue(c.commitLsn().isBefore(c.endLsn()));
            assertEquals(b.commitTime(), c.commitTime());
            assertTrue(i == begins.size() - 1 || b.commitTime().isAfter(before) && b.commitTime().isBefore(Instant.now().plusSeconds(1)), b.commitTime().toString());
            assertTrue(b.xid() > 0);
            if (i > 0) {
                assertTrue(commits.get(i - 1).endLsn().isBefore(c.commitLsn()), "commits come in log order");
            }
        }
        // The row's LSN of a Commit message is the end of its commit record: where a consumer resumes after it.
        for (Peeked pk : all) {
            if (pk.message() instanceof Commit c) {
                assertEquals(c.endLsn(), pk.lsn());
            }
        }

        Type mood = only(all, Type.class).get(0);
        assertEquals("public", mood.namespace());
        assertEquals("mood", mood.name());
        Relation items = only(all, Relation.class).stream().filter(r -> r.name().equals("items")).findFirst().orElseThrow();
        assertEquals("public", items.namespace());
        assertEquals('d', items.replicaIdentity());
        assertEquals(List.of("id", "name", "feeling", "price", "body", "at", "raw"), items.columns().stream().map(Column::name).toList());
        assertEquals(List.of(true, false, false, false, false, false, false), items.columns().stream().map(Column::key).toList());
        assertEquals(23, items.columns().get(0).typeOid()); // int4
        assertEquals(mood.oid(), items.columns().get(2).typeOid());
        assertEquals(-1, items.columns().get(1).typeModifier());
        assertEquals(8 << 16 | 2, items.columns().get(3).typeModifier() - 4); // numeric(8,2): ((precision << 16) | scale) + VARHDRSZ
        Relation notes = only(all, Relation.class).stream().filter(r -> r.name().equals("notes")).findFirst().orElseThrow();
        assertEquals('f', notes.replicaIdentity());
        assertTrue(notes.columns().stream().allMatch(Column::key), "replica identity full: every column identifies the row");

        List<Insert> inserts = only(all, Insert.class);
        Insert first = inserts.get(0);
        assertEquals(items.oid(), first.relationOid());
        List<String> texts = new ArrayList<>(first.newTuple().texts());
        texts.set(5, normalizeTs(texts.get(5)));
        assertEquals(List.of("1", "Zoë \"q\" O'Brien ☃\ttab", "happy", "12.50", md5x100(), "2020-01-02 03:04:05.678+00", "\\x00ff"), texts);
        assertEquals(List.of(Value.text("2"), Value.NULL, Value.NULL, Value.NULL, Value.NULL, Value.NULL, Value.NULL),
                inserts.get(1).newTuple().values());

        List<Update> updates = only(all, Update.class);
        Update toast = updates.get(0);
        assertEquals('\0', toast.oldKind());
        assertNull(toast.oldTuple());
        assertEquals("renamed", toast.newTuple().get(1).text());
        assertTrue(toast.newTuple().get(4).isUnchangedToast(), "an unchanged TOASTed value is not sent: " + toast);
        assertTrue(toast.newTuple().hasUnchangedToast());
        Update keyChange = updates.get(1);
        assertEquals('K', keyChange.oldKind());
        assertEquals(Arrays.asList("2", null, null, null, null, null, null), keyChange.oldTuple().texts());
        assertEquals("10", keyChange.newTuple().get(0).text());
        Update full = updates.get(2);
        assertEquals(notes.oid(), full.relationOid());
        assertEquals('O', full.oldKind());
        assertEquals(List.of("a", "1"), full.oldTuple().texts());
        assertEquals(List.of("a", "2"), full.newTuple().texts());

        List<Delete> deletes = only(all, Delete.class);
        assertEquals('K', deletes.get(0).oldKind());
        assertEquals("10", deletes.get(0).oldTuple().get(0).text());
        assertEquals(Arrays.asList("10", null, null, null, null, null, null), deletes.get(0).oldTuple().texts());
        assertEquals('O', deletes.get(1).oldKind());
        assertEquals(List.of("a", "2"), deletes.get(1).oldTuple().texts());

        Truncate t = only(all, Truncate.class).get(0);
        assertEquals(List.of(notes.oid()), t.relationOids());
        assertFalse(t.cascade());
        assertFalse(t.restartIdentity());

        Origin origin = only(all, Origin.class).get(0);
        assertEquals("decode_origin", origin.name());
        assertEquals(Lsn.parse("0/ABCDEF"), origin.originCommitLsn());
        Begin replayed = begins.get(begins.size() - 1);
        assertEquals(Instant.parse("2021-05-06T07:08:09Z"), replayed.commitTime(), "the origin's commit time is kept");
        LogicalMessage msg = only(all, LogicalMessage.class).get(0);
        assertTrue(msg.transactional());
        assertEquals("imago", msg.prefix());
        assertArrayEquals("hello".getBytes(), msg.content());
        assertEquals(List.of("3", "from elsewhere"), only(all, Insert.class).get(inserts.size() - 1).newTuple().texts().subList(0, 2));
        Db.exec(src, "SELECT pg_drop_replication_slot('decode_all')", "SELECT pg_replication_origin_drop('decode_origin')");
    }

    @Test
    void refusesUnknownAndTruncatedMessages() {
        assertThrows(IllegalArgumentException.class, () -> PgOutputDecoder.decode(new byte[] {'S', 0, 0, 0, 1}));
        assertThrows(IllegalArgumentException.class, () -> PgOutputDecoder.decode(new byte[] {'B', 0, 0, 0}));
        // an insert whose column claims more bytes than the message holds
        byte[] bad = {'I', 0, 0, 0, 1, 'N', 0, 1, 't', 0, 0, 0, 9, 'x'};
        assertThrows(IllegalArgumentException.class, () -> PgOutputDecoder.decode(bad));
        // binary column values are protocol version 2 and not asked for
        byte[] binary = {'I', 0, 0, 0, 1, 'N', 0, 1, 'b', 0, 0, 0, 1, 'x'};
        assertThrows(IllegalArgumentException.class, () -> PgOutputDecoder.decode(binary));
        byte[] ok = {'I', 0, 0, 0, 1, 'N', 0, 3, 't', 0, 0, 0, 1, 'x', 'n', 'u'};
        Insert i = (Insert) PgOutputDecoder.decode(ok);
        assertEquals(List.of(Value.text("x"), Value.NULL, Value.UNCHANGED_TOAST), i.newTuple().values());
    }

    private static String md5x100() {
        try {
            byte[] d = java.security.MessageDigest.getInstance("MD5").digest("x".getBytes());
            StringBuilder hex = new StringBuilder();
            for (byte x : d) {
                hex.append(String.format("%02x", x));
            }
            return hex.toString().repeat(100);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The walsender prints timestamps in the JVM's time zone (sent by the driver); compare them as instants. */
    private static String normalizeTs(String t) {
        return java.time.OffsetDateTime.parse(t.replace(' ', 'T').replaceAll("([+-]\\d\\d)$", "$1:00"))
                .toInstant().equals(Instant.parse("2020-01-02T03:04:05.678Z")) ? "2020-01-02 03:04:05.678+00" : t;
    }
}
