package io.imago.migration;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.imago.migration.PgOutputMessage.Column;
import io.imago.migration.PgOutputMessage.Relation;
import io.imago.migration.PgOutputMessage.TupleData;
import io.imago.migration.PgOutputMessage.Value;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Binding the stream's relations to migrations, without servers. */
class RelationBindingsTest {
    private static final SourceColumn ID = new SourceColumn("id", "integer", true);
    private static final SourceColumn NAME = new SourceColumn("name", "text", true);
    private static final ShippedTable USERS = new ShippedTable(new TableMigration("users", "users", List.of(ID, NAME), List.of("id"),
            List.of(new ColumnMapping("id", "integer", ID, null), new ColumnMapping("name", "text", NAME, null)), null, false, false, 10));

    private final RelationBindings bindings = new RelationBindings(Map.of("users", USERS));

    private static Relation relation(int oid, String namespace, String name, String... columns) {
        return new Relation(oid, namespace, name, 'd', java.util.Arrays.stream(columns).map(c -> new Column(c.equals("id"), c, 25, -1)).toList());
    }

    @Test
    void bindsByNameAndReordersColumnsIntoSourceOrder() {
        bindings.describe(relation(7, "public", "users", "name", "id")); // the stream's column order may differ
        BoundRelation b = bindings.changed(7);
        assertSame(USERS, b.table());
        assertArrayEquals(new String[] {"1", "ann"}, b.row(new TupleData(List.of(Value.text("ann"), Value.text("1"))), null));
    }

    @Test
    void ignoresRelationsNotInThePlanOrOutsidePublic() {
        bindings.describe(relation(8, "public", "audit", "id"));
        bindings.describe(relation(9, "other", "users", "id", "name"));
        assertNull(bindings.changed(8));
        assertNull(bindings.changed(9));
        bindings.describe(relation(7, "public", "users", "id", "name"));
        assertEquals(List.of(USERS), bindings.truncated(List.of(8, 7, 99)));
    }

    @Test
    void aChangeBeforeItsRelationIsABrokenStream() {
        bindings.describe(relation(7, "public", "users", "id", "name"));
        bindings.clear(); // a new stream: every relation is described again
        assertThrows(IllegalStateException.class, () -> bindings.changed(7));
    }

    @Test
    void aRelationWithoutItsKeyColumnIsRefused() {
        assertThrows(IllegalStateException.class, () -> bindings.describe(relation(7, "public", "users", "name")));
    }
}
