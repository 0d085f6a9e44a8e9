package io.imago.migration;

import io.imago.migration.DeferredIndexes.Deferred;
import java.util.Set;

/**
 * One piece of {@link IndexBuilds}' work: a deferred index or key, half of a foreign key's rebuild, or (deferred
 * null) the ANALYZE of a loaded table.
 *
 * @param tables what it locks: its table, and for adding a foreign key the referenced one too
 */
record BuildTask(Step step, Deferred deferred, String table, Set<String> tables) {
    /** In the order a table's work is taken up: indexes side by side first, then what must run alone, foreign keys last. */
    enum Step { INDEX, KEY, ANALYZE, ADD_FOREIGN_KEY, CHECK_FOREIGN_KEY }

    boolean foreignKey() {
        return step == Step.ADD_FOREIGN_KEY || step == Step.CHECK_FOREIGN_KEY;
    }

    /** Whether it must run alone on its tables; only CREATE INDEX (SHARE) runs beside others on the same table. */
    boolean exclusive() {
        return step != Step.INDEX;
    }
}
