/**
 * The data plane (PostgreSQL): how a new universe's database is loaded from the old one and kept in step.
 *
 * <ol>
 *   <li>{@link io.imago.migration.MigrationPlanner} resolves the blueprint's tables and transforms against
 *       both catalogs into {@link io.imago.migration.TableMigration}s, or refuses with every problem found.</li>
 *   <li>{@link io.imago.migration.SnapshotCopier} creates the publication and a logical slot exporting a
 *       snapshot, and copies every table as of that snapshot, in parallel, streaming COPY to COPY: big
 *       tables in primary-key ranges ({@link io.imago.migration.KeyRanges}), binary where both sides have
 *       the same built-in types, with the target's keys, indexes and foreign keys dropped for the load and
 *       rebuilt after it ({@link io.imago.migration.DeferredIndexes}, crash-safe).</li>
 *   <li>{@link io.imago.migration.LogShipper} streams the slot from its consistent point (decoded by
 *       {@link io.imago.migration.PgOutputDecoder}) and applies each source transaction as one target
 *       transaction through the same {@link io.imago.migration.TransformSql} statement the copy used, so both
 *       convert alike, recording the applied position in that transaction; {@code drainTo} completes the
 *       switchover's drain.</li>
 *   <li>At switchover {@link io.imago.migration.WriteFence} stops the application's writes at the source
 *       and gives the position the drain must reach; {@link io.imago.migration.SequenceSync} then moves
 *       the target's sequences past the shipped keys.</li>
 * </ol>
 *
 * Only schema {@code public} is migrated. The module depends on the PostgreSQL driver alone.
 */
package io.imago.migration;
