package io.imago.migration;

import io.imago.migration.PgOutputMessage.Relation;
import io.imago.migration.PgOutputMessage.TupleData;
import io.imago.migration.PgOutputMessage.Value;
import java.util.List;
import java.util.Map;

/**
 * A relation of the stream bound to its migration: {@code columnOf[i]} is source column i's position in the
 * relation's tuples. {@code table} is null (and {@code columnOf} too) when the relation's changes are to be
 * ignored: not in the plan, skipped, or outside {@code public}.
 */
record BoundRelation(Relation relation, ShippedTable table, int[] columnOf) {

    /** @param tables the shipped tables by source table name */
    static BoundRelation bind(Relation r, Map<String, ShippedTable> tables) {
        ShippedTable t = "public".equals(r.namespace()) ? tables.get(r.name()) : null;
        if (t == null) {
            return new BoundRelation(r, null, null);
        }
        List<SourceColumn> cols = t.migration().sourceColumns();
        int[] columnOf = new int[cols.size()];
        for (int i = 0; i < cols.size(); i++) {
            columnOf[i] = -1;
            for (int j = 0; j < r.columns().size(); j++) {
                if (r.columns().get(j).name().equals(cols.get(i).name())) {
                    columnOf[i] = j;
                    break;
                }
            }
        }
        for (int k : t.keyIndex()) {
            if (columnOf[k] < 0) {
                throw new IllegalStateException("the source's changes to '" + r.name() + "' lack primary key column '" + cols.get(k).name()
                        + "': was the table altered?");
            }
        }
        return new BoundRelation(r, t, columnOf);
    }

    /**
     * The tuple as text values in source column order. Columns the stream does not carry (generated ones)
     * are null. Marks unchanged-TOAST columns in {@code unchanged} when given.
     */
    String[] row(TupleData tuple, boolean[] unchanged) {
        if (tuple.size() != relation.columns().size()) {
            throw new IllegalStateException("a tuple of '" + relation.name() + "' has " + tuple.size() + " columns, its relation "
                    + relation.columns().size());
        }
        String[] out = new String[columnOf.length];
        for (int i = 0; i < columnOf.length; i++) {
            if (columnOf[i] >= 0) {
                Value v = tuple.get(columnOf[i]);
                out[i] = v.text();
                if (unchanged != null && v.isUnchangedToast()) {
                    unchanged[i] = true;
                }
            }
        }
        return out;
    }
}
