package io.imago.migration;

import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A finished bulk copy.
 *
 * @param consistentPoint where log shipping starts: the copy holds exactly the changes committed before it
 * @param snapshotName the exported snapshot every copy read (no longer importable once the copy returns)
 * @param rowsPerTargetTable rows loaded per target table, after {@code where} filters
 */
public record SnapshotResult(Lsn consistentPoint, String snapshotName, Map<String, Long> rowsPerTargetTable, Duration elapsed) {
    public SnapshotResult {
        rowsPerTargetTable = Collections.unmodifiableMap(new LinkedHashMap<>(rowsPerTargetTable));
    }

    public long totalRows() {
        return rowsPerTargetTable.values().stream().mapToLong(Long::longValue).sum();
    }
}
