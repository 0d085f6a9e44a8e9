package io.imago.migration;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * One message of PostgreSQL's logical replication protocol (the {@code pgoutput} plugin, protocol version 1),
 * as {@link PgOutputDecoder} reads it. Relation and type ids are the server's OIDs, unsigned 32-bit numbers
 * held in an {@code int} (print them with {@link Integer#toUnsignedString(int)}).
 */
public sealed interface PgOutputMessage {

    /** 'B': a transaction starts; only committed transactions are decoded. @param finalLsn where its commit record starts */
    record Begin(Lsn finalLsn, Instant commitTime, long xid) implements PgOutputMessage {
    }

    /** 'C': the transaction ends. @param endLsn the end of its commit record: where a consumer resumes after it */
    record Commit(int flags, Lsn commitLsn, Lsn endLsn, Instant commitTime) implements PgOutputMessage {
    }

    /** 'O': the transaction was replicated from another node. */
    record Origin(Lsn originCommitLsn, String name) implements PgOutputMessage {
    }

    /**
     * 'R': a table's shape, sent before its first change in a session and again after it changed.
     *
     * @param replicaIdentity 'd' default (primary key), 'n' nothing, 'f' full, 'i' index
     */
    record Relation(int oid, String namespace, String name, char replicaIdentity, List<Column> columns) implements PgOutputMessage {
        public Relation {
            columns = List.copyOf(columns);
        }
    }

    /** @param key part of the replica identity (the key sent with updates and deletes) */
    record Column(boolean key, String name, int typeOid, int typeModifier) {
    }

    /** 'Y': a non built-in type a column uses. */
    record Type(int oid, String namespace, String name) implements PgOutputMessage {
    }

    /** 'I' */
    record Insert(int relationOid, TupleData newTuple) implements PgOutputMessage {
    }

    /**
     * 'U'.
     *
     * @param oldKind 'K' the old replica identity key (only when it changed), 'O' the whole old row (replica
     *     identity full), or '\0' when no old tuple was sent (the key is unchanged)
     * @param oldTuple null when {@code oldKind} is '\0'; for 'K' the non-key columns are null
     */
    record Update(int relationOid, char oldKind, TupleData oldTuple, TupleData newTuple) implements PgOutputMessage {
    }

    /** 'D'. @param oldKind 'K' (the key; other columns null) or 'O' (the whole old row) */
    record Delete(int relationOid, char oldKind, TupleData oldTuple) implements PgOutputMessage {
    }

    /** 'T' */
    record Truncate(List<Integer> relationOids, boolean cascade, boolean restartIdentity) implements PgOutputMessage {
        public Truncate {
            relationOids = List.copyOf(relationOids);
        }
    }

    /** 'M': a message from {@code pg_logical_emit_message}, only sent when asked for with the {@code messages} option. */
    record LogicalMessage(boolean transactional, Lsn lsn, String prefix, byte[] content) implements PgOutputMessage {
    }

    /** How a column of a tuple is sent. */
    enum Kind {
        /** 'n' */
        NULL,
        /** 'u': a TOASTed value the change left as it was; its value is not sent */
        UNCHANGED_TOAST,
        /** 't': the value in the type's text output format */
        TEXT
    }

    /** One column of a tuple: {@code text} is set only for {@link Kind#TEXT}. */
    record Value(Kind kind, String text) {
        public static final Value NULL = new Value(Kind.NULL, null);
        public static final Value UNCHANGED_TOAST = new Value(Kind.UNCHANGED_TOAST, null);

        public static Value text(String text) {
            return new Value(Kind.TEXT, text);
        }

        public boolean isNull() {
            return kind == Kind.NULL;
        }

        public boolean isUnchangedToast() {
            return kind == Kind.UNCHANGED_TOAST;
        }

        @Override
        public String toString() {
            return switch (kind) {
                case NULL -> "null";
                case UNCHANGED_TOAST -> "(unchanged toast)";
                case TEXT -> text.length() > 40 ? "'" + text.substring(0, 37) + "...'(" + text.length() + ")" : "'" + text + "'";
            };
        }
    }

    /** A row's columns, in the order of the relation's {@link Relation#columns()}. */
    record TupleData(List<Value> values) {
        public TupleData {
            values = Collections.unmodifiableList(new ArrayList<>(values));
        }

        public int size() {
            return values.size();
        }

        public Value get(int i) {
            return values.get(i);
        }

        public boolean hasUnchangedToast() {
            return values.stream().anyMatch(Value::isUnchangedToast);
        }

        /** Texts in column order, null for NULL and unchanged-TOAST columns: handy in tests. */
        public List<String> texts() {
            List<String> out = new ArrayList<>(values.size());
            values.forEach(v -> out.add(v.text()));
            return out;
        }
    }
}
