package io.imago.migration;

/** A logical slot just created, with the snapshot it exported: the data as of {@code consistentPoint}. */
record ExportedSnapshot(String slot, Lsn consistentPoint, String snapshotName) {
}
