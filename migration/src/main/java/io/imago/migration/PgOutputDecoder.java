package io.imago.migration;

import io.imago.migration.PgOutputMessage.Begin;
import io.imago.migration.PgOutputMessage.Column;
import io.imago.migration.PgOutputMessage.Commit;
import io.imago.migration.PgOutputMessage.Delete;
import io.imago.migration.PgOutputMessage.Insert;
import io.imago.migration.PgOutputMessage.LogicalMessage;
import io.imago.migration.PgOutputMessage.Origin;
import io.imago.migration.PgOutputMessage.Relation;
import io.imago.migration.PgOutputMessage.Truncate;
import io.imago.migration.PgOutputMessage.TupleData;
import io.imago.migration.PgOutputMessage.Type;
import io.imago.migration.PgOutputMessage.Update;
import io.imago.migration.PgOutputMessage.Value;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Decodes the binary messages of the {@code pgoutput} plugin, protocol version 1 (PostgreSQL 10 and later):
 * the payload of one XLogData message of a logical replication stream, or the {@code data} column of
 * {@code pg_logical_slot_peek_binary_changes}. Strings arrive in the client encoding, which the driver
 * sets to UTF-8. Stateless and thread-safe.
 */
public final class PgOutputDecoder {
    /** PostgreSQL timestamps count microseconds from 2000-01-01 00:00 UTC. */
    private static final long PG_EPOCH_SECONDS = 946_684_800L;

    private PgOutputDecoder() {
    }

    /**
     * @param buffer read from its position to its limit; left at its limit
     * @throws IllegalArgumentException for a message this decoder does not know or a truncated one
     */
    public static PgOutputMessage decode(ByteBuffer buffer) {
        char type = (char) buffer.get();
        try {
            PgOutputMessage m = switch (type) {
                case 'B' -> new Begin(lsn(buffer), timestamp(buffer), Integer.toUnsignedLong(buffer.getInt()));
                case 'C' -> new Commit(buffer.get(), lsn(buffer), lsn(buffer), timestamp(buffer));
                case 'O' -> new Origin(lsn(buffer), string(buffer));
                case 'R' -> relation(buffer);
                case 'Y' -> new Type(buffer.getInt(), string(buffer), string(buffer));
                case 'I' -> insert(buffer);
                case 'U' -> update(buffer);
                case 'D' -> delete(buffer);
                case 'T' -> truncate(buffer);
                case 'M' -> message(buffer);
                default -> throw new IllegalArgumentException("unknown pgoutput message type '" + type + "' (0x"
                        + Integer.toHexString(type) + "): the decoder speaks protocol version 1");
            };
            if (buffer.hasRemaining()) {
                throw new IllegalArgumentException("pgoutput message '" + type + "' has " + buffer.remaining() + " unread bytes");
            }
            return m;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("truncated pgoutput message '" + type + "'", e);
        }
    }

    public static PgOutputMessage decode(byte[] message) {
        return decode(ByteBuffer.wrap(message));
    }

    private static Relation relation(ByteBuffer b) {
        int oid = b.getInt();
        String namespace = string(b);
        String name = string(b);
        char identity = (char) b.get();
        int n = Short.toUnsignedInt(b.getShort());
        List<Column> columns = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int flags = b.get();
            columns.add(new Column((flags & 1) != 0, string(b), b.getInt(), b.getInt()));
        }
        // An empty namespace stands for pg_catalog.
        return new Relation(oid, namespace.isEmpty() ? "pg_catalog" : namespace, name, identity, columns);
    }

    private static Insert insert(ByteBuffer b) {
        int rel = b.getInt();
        expect(b, 'N', "insert");
        return new Insert(rel, tuple(b));
    }

    private static Update update(ByteBuffer b) {
        int rel = b.getInt();
        char kind = (char) b.get();
        TupleData old = null;
        char oldKind = '\0';
        if (kind == 'K' || kind == 'O') {
            oldKind = kind;
            old = tuple(b);
            kind = (char) b.get();
        }
        if (kind != 'N') {
            throw new IllegalArgumentException("update: expected 'N', got '" + kind + "'");
        }
        return new Update(rel, oldKind, old, tuple(b));
    }

    private static Delete delete(ByteBuffer b) {
        int rel = b.getInt();
        char kind = (char) b.get();
        if (kind != 'K' && kind != 'O') {
            throw new IllegalArgumentException("delete: expected 'K' or 'O', got '" + kind + "'");
        }
        return new Delete(rel, kind, tuple(b));
    }

    private static Truncate truncate(ByteBuffer b) {
        int n = b.getInt();
        int options = b.get();
        List<Integer> rels = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            rels.add(b.getInt());
        }
        return new Truncate(rels, (options & 1) != 0, (options & 2) != 0);
    }

    private static LogicalMessage message(ByteBuffer b) {
        boolean transactional = (b.get() & 1) != 0;
        Lsn lsn = lsn(b);
        String prefix = string(b);
        byte[] content = new byte[b.getInt()];
        b.get(content);
        return new LogicalMessage(transactional, lsn, prefix, content);
    }

    private static TupleData tuple(ByteBuffer b) {
        int n = Short.toUnsignedInt(b.getShort());
        List<Value> values = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            char kind = (char) b.get();
            switch (kind) {
                case 'n' -> values.add(Value.NULL);
                case 'u' -> values.add(Value.UNCHANGED_TOAST);
                case 't' -> {
                    int len = b.getInt();
                    if (len < 0 || len > b.remaining()) {
                        throw new IllegalArgumentException("column " + (i + 1) + " claims " + len + " bytes, " + b.remaining() + " left");
                    }
                    byte[] text = new byte[len];
                    b.get(text);
                    values.add(Value.text(new String(text, StandardCharsets.UTF_8)));
                }
                default -> throw new IllegalArgumentException("column " + (i + 1) + ": unknown tuple data kind '" + kind
                        + "' (binary values need protocol version 2 and are not asked for)");
            }
        }
        return new TupleData(values);
    }

    private static void expect(ByteBuffer b, char wanted, String what) {
        char got = (char) b.get();
        if (got != wanted) {
            throw new IllegalArgumentException(what + ": expected '" + wanted + "', got '" + got + "'");
        }
    }

    private static Lsn lsn(ByteBuffer b) {
        return new Lsn(b.getLong());
    }

    private static Instant timestamp(ByteBuffer b) {
        long micros = b.getLong();
        return Instant.ofEpochSecond(PG_EPOCH_SECONDS + Math.floorDiv(micros, 1_000_000L), Math.floorMod(micros, 1_000_000L) * 1000L);
    }

    /** A NUL-terminated string. */
    private static String string(ByteBuffer b) {
        int start = b.position();
        int end = start;
        while (b.get(end) != 0) {
            end++;
        }
        byte[] bytes = new byte[end - start];
        b.get(bytes);
        b.get(); // the NUL
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
