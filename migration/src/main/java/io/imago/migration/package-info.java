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
 *   <li>Validation compares both sides on a {@link io.imago.migration.ConsistentCut} (writes held only while it
 *       is taken) with {@link io.imago.migration.DataChecks}, which has the target evaluate the expressions.</li>
 * </ol>
 *
 * <h2>What the source (production) sees</h2>
 * SQL sent to the source is built from catalog names alone, every identifier through one quoting helper
 * ({@code Sql}); a blueprint's expressions are only ever evaluated by the target. Reads of the source (the copy,
 * the data checks, key ranges) run in READ ONLY transactions, REPEATABLE READ where a snapshot is imported.
 * Imago still logs in to the source as its admin role. A least-privilege setup (not built for the local
 * provider; what a cloud database's role needs) would split it in two:
 * <ul>
 *   <li>once, as the owner: {@code CREATE PUBLICATION}, {@code ALTER TABLE ... REPLICA IDENTITY FULL} where
 *       asked, and at the switch the lasting fence ({@link io.imago.migration.WriteFence}: REVOKE from the
 *       application's role);</li>
 *   <li>for everything else, a role with {@code LOGIN REPLICATION} (on RDS: {@code GRANT rds_replication}) for
 *       the slot, its exported snapshot and streaming; {@code SELECT} on the migrated tables
 *       ({@code GRANT SELECT ON ALL TABLES IN SCHEMA public}, {@code GRANT USAGE ON SCHEMA public}) for the copy
 *       and the checks; and, for the session fences of the checks and the switch ({@code LOCK ... IN EXCLUSIVE
 *       MODE}), {@code UPDATE} (or {@code DELETE}/{@code TRUNCATE}) on every table of schema public: the one
 *       grant beyond reading that PostgreSQL demands for a lock stronger than ROW EXCLUSIVE.</li>
 * </ul>
 *
 * Only schema {@code public} is migrated. The module depends on the PostgreSQL driver alone.
 */
package io.imago.migration;
