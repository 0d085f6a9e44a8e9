package io.imago.migration;

import io.imago.migration.PgOutputMessage.Delete;
import io.imago.migration.PgOutputMessage.Insert;
import io.imago.migration.PgOutputMessage.Relation;
import io.imago.migration.PgOutputMessage.Truncate;
import io.imago.migration.PgOutputMessage.Update;
import java.sql.SQLException;
import java.util.List;

/**
 * Turns the decoded messages inside a source transaction into calls of the {@link ChangeApplier}: rows of
 * migrated tables as text values in source column order, unchanged-TOAST columns marked. Relation messages
 * update the {@link RelationBindings}; changes of relations not in the plan, and every change while the
 * transaction is skipped, are ignored. Begin and Commit are the {@link TransactionGroup}'s.
 */
final class ChangeDispatcher {
    private final RelationBindings relations;

    ChangeDispatcher(RelationBindings relations) {
        this.relations = relations;
    }

    /**
     * @param skipping the source transaction lies before the resume position
     * @return true when a change went into the target transaction
     */
    boolean dispatch(PgOutputMessage message, boolean skipping, ChangeApplier applier) throws SQLException {
        if (message instanceof Relation r) {
            relations.describe(r); // also while skipping: later transactions' changes refer to it
            return false;
        }
        if (skipping) {
            return false;
        }
        if (message instanceof Insert i) {
            BoundRelation b = relations.changed(i.relationOid());
            if (b != null) {
                applier.insert(b.table(), b.row(i.newTuple(), null));
                return true;
            }
        } else if (message instanceof Update u) {
            BoundRelation b = relations.changed(u.relationOid());
            if (b != null) {
                boolean[] unchanged = u.newTuple().hasUnchangedToast() ? new boolean[b.columnOf().length] : null;
                String[] old = u.oldTuple() == null ? null : b.row(u.oldTuple(), null);
                applier.update(b.table(), old, u.oldKind() == 'O', b.row(u.newTuple(), unchanged), unchanged);
                return true;
            }
        } else if (message instanceof Delete d) {
            BoundRelation b = relations.changed(d.relationOid());
            if (b != null) {
                applier.delete(b.table(), b.row(d.oldTuple(), null));
                return true;
            }
        } else if (message instanceof Truncate t) {
            List<ShippedTable> targets = relations.truncated(t.relationOids());
            if (!targets.isEmpty()) {
                applier.truncate(targets);
                return true;
            }
        }
        // Origin, Type, logical messages: nothing to apply
        return false;
    }
}
