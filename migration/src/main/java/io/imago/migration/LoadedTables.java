package io.imago.migration;

import java.util.Map;

/**
 * The copy's progress, passed on to its listener, that also tells {@link IndexBuilds} when each table's rows are in,
 * and stops the copy once a build failed: the copy cannot succeed any more, so its workers need not finish their tables.
 */
final class LoadedTables implements CopyProgress {
    private final CopyProgress listener;
    private final IndexBuilds builds;

    LoadedTables(CopyProgress listener, IndexBuilds builds) {
        this.listener = listener;
        this.builds = builds;
    }

    @Override
    public void planned(Map<String, Long> estimatedRowsByTable) {
        listener.planned(estimatedRowsByTable);
    }

    @Override
    public void tableStarted(String table, long estimatedRows) {
        stopIfBuildFailed();
        listener.tableStarted(table, estimatedRows);
    }

    @Override
    public void rowsCopied(String table, long delta) {
        stopIfBuildFailed();
        listener.rowsCopied(table, delta);
    }

    @Override
    public void bytesCopied(String table, long delta) {
        listener.bytesCopied(table, delta);
    }

    @Override
    public void tableDone(String table, long rows) {
        listener.tableDone(table, rows);
        builds.loaded(table);
    }

    private void stopIfBuildFailed() {
        if (builds.stopped()) {
            throw new IllegalStateException("copy stopped: an index build failed");
        }
    }
}
