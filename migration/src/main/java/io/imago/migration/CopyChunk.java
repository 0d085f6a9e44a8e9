package io.imago.migration;

/**
 * One unit of bulk-copy work: a whole table, or one primary-key range of it. Chunks of one table load in
 * parallel, each in its own target transaction; together their ranges cover every possible key value.
 *
 * @param keyRange SQL predicate over the source row selecting this chunk's rows, null for the whole table
 * @param index 0-based position among the table's {@code count} chunks
 */
record CopyChunk(TableMigration table, String keyRange, int index, int count) {

    static CopyChunk whole(TableMigration table) {
        return new CopyChunk(table, null, 0, 1);
    }

    /** Distinguishes the chunk's staging table from its siblings'. */
    String stagingSuffix() {
        return count == 1 ? "" : "_" + index;
    }

    @Override
    public String toString() {
        return table.sourceTable() + (count == 1 ? "" : " [" + (index + 1) + "/" + count + ": " + keyRange + "]");
    }
}
