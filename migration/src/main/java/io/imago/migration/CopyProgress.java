package io.imago.migration;

/**
 * Hears how the bulk copy advances. Tables are named by their TARGET name, as in {@link SnapshotResult}.
 * Called from the copy workers' threads, concurrently: implementations must be thread-safe. A listener
 * that throws aborts the copy.
 */
public interface CopyProgress {
    CopyProgress NONE = new CopyProgress() {
    };

    /**
     * Once, before any row moves: every table the copy will load, with the source catalog's estimate of its rows
     * (0 when unknown), so that progress can be told against the whole copy rather than the tables begun so far.
     */
    default void planned(java.util.Map<String, Long> estimatedRowsByTable) {
    }

    /** Once the rows are in: how many secondary indexes and constraints are to be built again. */
    default void indexesPlanned(int total) {
    }

    /** One index or constraint is built (or found present); {@code built} of {@code total} are done. */
    default void indexBuilt(String table, String name) {
    }

    /** @param estimatedRows the source's planner estimate; 0 when unknown */
    default void tableStarted(String table, long estimatedRows) {
    }

    /** Source rows read and streamed into the target since the last call (before any {@code where} filter). */
    default void rowsCopied(String table, long delta) {
    }

    /** Bytes of COPY data streamed from the source for the table since the last call (what crossed the wire). */
    default void bytesCopied(String table, long delta) {
    }

    /** The table's load committed, holding {@code rows} target rows. */
    default void tableDone(String table, long rows) {
    }
}
