package io.imago.migration;

/**
 * Hears how the bulk copy advances. Tables are named by their TARGET name, as in {@link SnapshotResult}.
 * Called from the copy workers' threads, concurrently: implementations must be thread-safe. A listener
 * that throws aborts the copy.
 */
public interface CopyProgress {
    CopyProgress NONE = new CopyProgress() {
    };

    /** @param estimatedRows the source's planner estimate; 0 when unknown */
    default void tableStarted(String table, long estimatedRows) {
    }

    /** Source rows read and streamed into the target since the last call (before any {@code where} filter). */
    default void rowsCopied(String table, long delta) {
    }

    /** The table's load committed, holding {@code rows} target rows. */
    default void tableDone(String table, long rows) {
    }
}
