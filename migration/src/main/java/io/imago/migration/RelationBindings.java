package io.imago.migration;

import io.imago.migration.PgOutputMessage.Relation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The relations the stream described so far, each bound to its migration ({@link BoundRelation}). A walsender
 * sends a relation's description before its first change, and again after it changed; a new walsender starts
 * over, hence {@link #clear()} on every new stream.
 */
final class RelationBindings {
    private final Map<String, ShippedTable> tables;
    private final Map<Integer, BoundRelation> byOid = new HashMap<>();

    /** @param tables the shipped tables by source table name */
    RelationBindings(Map<String, ShippedTable> tables) {
        this.tables = tables;
    }

    void describe(Relation r) {
        byOid.put(r.oid(), BoundRelation.bind(r, tables));
    }

    /**
     * The relation's binding, or null when its changes are to be ignored (skipped or unknown table).
     *
     * @throws IllegalStateException when the stream sent a change before the relation's description: a broken stream
     */
    BoundRelation changed(int oid) {
        BoundRelation b = byOid.get(oid);
        if (b == null) {
            throw new IllegalStateException("change for relation " + Integer.toUnsignedString(oid) + " before its Relation message");
        }
        return b.table() == null ? null : b;
    }

    /** The migrated tables among {@code oids} (a truncate may name relations never described: ignored). */
    List<ShippedTable> truncated(List<Integer> oids) {
        List<ShippedTable> out = new ArrayList<>();
        for (int oid : oids) {
            BoundRelation b = byOid.get(oid);
            if (b != null && b.table() != null) {
                out.add(b.table());
            }
        }
        return out;
    }

    void clear() {
        byOid.clear();
    }
}
