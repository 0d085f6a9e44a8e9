package io.imago.migration;

import io.imago.migration.PgOutputMessage.Begin;
import io.imago.migration.PgOutputMessage.Commit;
import io.imago.migration.PgOutputMessage.Delete;
import io.imago.migration.PgOutputMessage.Insert;
import io.imago.migration.PgOutputMessage.Relation;
import io.imago.migration.PgOutputMessage.Truncate;
import io.imago.migration.PgOutputMessage.TupleData;
import io.imago.migration.PgOutputMessage.Update;
import io.imago.migration.PgOutputMessage.Value;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.postgresql.PGConnection;
import org.postgresql.replication.LogSequenceNumber;
import org.postgresql.replication.PGReplicationStream;

/**
 * Log shipping: streams the logical slot whose exported snapshot the bulk copy read ({@code pgoutput},
 * protocol version 1) and applies every change to the target through the same transforms as the copy.
 *
 * <h2>Transactions and positions</h2>
 * A source transaction is applied as it arrives into ONE open target transaction (statements batched;
 * memory stays bounded whatever the transaction's size, the open target transaction holds the rows) and
 * committed when its Commit arrives, together with its end position in
 * {@code imago_meta.shipping(slot, applied_lsn, applied_at, source_commit_time)}. Source transactions that
 * are already waiting when one ends are applied in the same target transaction (at most
 * {@value #GROUP_MAX_CHANGES} changes or {@value #GROUP_MAX_MILLIS} ms): still whole source transactions
 * only, so a reader of the target never sees part of one. The server is told the position (flushed =
 * applied) only AFTER the target commit. On start the shipper begins at the recorded position, or at
 * {@code startIfNoRecord} (the snapshot's consistent point) when there is none or it lies before that, and
 * ignores every transaction whose commit lies before that position: a crash at any point neither loses
 * nor doubles a change.
 *
 * <h2>Changes</h2>
 * <ul>
 *   <li>insert: the converted row is inserted if it satisfies {@code where};</li>
 *   <li>delete: the target row with the converted old key is deleted (tables without a key: one row
 *       equal, column by column, to the converted old row);</li>
 *   <li>update: the target row with the converted old key is deleted and the converted new row inserted
 *       if it satisfies {@code where}, in one statement: a changed key, a row entering or leaving the
 *       filter are all the same case. Unchanged TOASTed values are resolved, see {@link ChangeApplier};</li>
 *   <li>truncate: the target tables are truncated;</li>
 *   <li>changes of relations not in the plan (skipped or unknown tables) are ignored.</li>
 * </ul>
 *
 * <h2>Drain</h2>
 * {@link #lag()}'s {@code applied} is the position up to which the target holds every source commit: the
 * end of the last applied transaction, or, whenever nothing received is waiting to be applied, the
 * position the server says it has decoded up to (its keepalive's WAL end: every transaction committed
 * before it has been sent). Without further source commits the applied commit position would stay below
 * a fence forever, so {@link #drainTo} counts the latter too, asks the server for a fresh keepalive, and
 * has the source flush its log (a commit that writes a logical message nobody subscribes to) so that the
 * server decodes up to the fence.
 *
 * <p>One shipper per slot at a time. Methods other than {@link #start} and {@link #stop} may be called
 * from any thread.
 */
public final class LogShipper implements AutoCloseable {
    static final int GROUP_MAX_CHANGES = 5_000;
    static final long GROUP_MAX_MILLIS = 250;
    static final String RECORD_SQL = "INSERT INTO imago_meta.shipping (slot, applied_lsn, applied_at, source_commit_time) "
            + "VALUES (?, CAST(? AS pg_lsn), clock_timestamp(), ?) ON CONFLICT (slot) DO UPDATE SET applied_lsn = EXCLUDED.applied_lsn, "
            + "applied_at = EXCLUDED.applied_at, source_commit_time = EXCLUDED.source_commit_time";
    private static final Duration SLOT_BUSY_WAIT = Duration.ofSeconds(20);
    private static final long IDLE_CONFIRM_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long MAX_IDLE_SLEEP_MILLIS = 16;
    private static final long PING_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    private static final int MAX_SAMPLES = 1000;

    /**
     * How far the target is behind the source.
     *
     * @param bytes source log not yet reflected on the target: {@code sourceCurrent - applied}, 0 when caught up
     * @param seconds at most this old is the oldest source commit not yet applied; zero when caught up
     * @param applied the target holds every source commit before this position
     * @param sourceCurrent the source's current log position when asked
     */
    public record Lag(long bytes, Duration seconds, Lsn applied, Lsn sourceCurrent) {
        @Override
        public String toString() {
            return bytes + " bytes, " + seconds.toMillis() + " ms (applied " + applied + ", source at " + sourceCurrent + ")";
        }
    }

    /** Test hooks: die like a crashed process at a chosen point (connections dropped, nothing cleaned up). */
    enum CrashPoint {
        /** while applying a change: the target transaction is open, the source transaction half applied */
        AT_CHANGE,
        /** right after a target commit, before the server hears of it */
        AFTER_TARGET_COMMIT
    }

    private record Crash(CrashPoint point, long after) {
    }

    /** The source stood at {@code position} at {@code at} (source clock). */
    private record Sample(Lsn position, Instant at) {
    }

    private static final class SimulatedCrash extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SimulatedCrash(String message) {
            super(message);
        }
    }

    /** A relation of the stream bound to its migration: {@code columnOf[i]} is source column i's position in the relation's tuples. */
    private record Bound(Relation relation, ShippedTable table, int[] columnOf) {
    }

    private final PgEndpoint source;
    private final PgEndpoint target;
    private final String slot;
    private final String publication;
    private final Map<String, ShippedTable> tables = new LinkedHashMap<>();

    // Shared with other threads.
    private volatile Lsn applied = Lsn.ZERO;
    private volatile Lsn recorded;
    private volatile Instant lastCommitTime;
    private volatile Throwable failure;
    private volatile boolean stopRequested;
    private volatile boolean pingRequested;
    private volatile boolean running;
    private volatile Crash crash;
    private final AtomicLong changesApplied = new AtomicLong();
    private final AtomicLong transactionsApplied = new AtomicLong();
    private final Object lagLock = new Object();
    private final LinkedList<Sample> samples = new LinkedList<>();
    private Connection lagConnection;
    private Instant startedAt;
    private Thread thread;

    // Owned by the shipping thread.
    private Connection replication;
    private PGReplicationStream stream;
    private Connection targetConnection;
    private ChangeApplier applier;
    private final Map<Integer, Bound> relations = new HashMap<>();
    private Lsn skipBefore = Lsn.ZERO;
    private boolean inTransaction;
    private boolean skipping;
    private Lsn groupEnd;
    private Instant groupCommitTime;
    private int groupTransactions;
    private long groupStarted;
    private long groupChanges;
    private long transactionChanges;
    private Lsn confirmed = Lsn.ZERO;
    private long lastConfirm;
    private long idleSleep;
    private long changesSeen;
    private int commitsDone;

    /**
     * @param source must be allowed to stream the slot (replication privilege)
     * @param tables as {@link MigrationPlanner#resolve} resolved them, the same the bulk copy used
     */
    public LogShipper(PgEndpoint source, PgEndpoint target, String slot, String publication, List<TableMigration> tables) {
        this.source = Objects.requireNonNull(source, "source");
        this.target = Objects.requireNonNull(target, "target");
        this.slot = ReplicationSlots.checkName(slot);
        this.publication = Objects.requireNonNull(publication, "publication");
        for (TableMigration m : tables) {
            this.tables.put(m.sourceTable(), new ShippedTable(m));
        }
    }

    /**
     * Connects, and ships in a background thread from then on.
     *
     * @param startIfNoRecord where to start when the target has no applied position for this slot (or an
     *     older one, left by an earlier copy): the snapshot's consistent point
     * @throws SQLException when the target or the slot cannot be reached (the slot stays busy while an
     *     earlier shipper's session is still ending: waited for up to 20 s)
     */
    public synchronized void start(Lsn startIfNoRecord) throws SQLException {
        if (thread != null) {
            throw new IllegalStateException("already started; a stopped shipper cannot be restarted: create a new one");
        }
        Lsn start = startIfNoRecord == null ? Lsn.ZERO : startIfNoRecord;
        try {
            targetConnection = target.connect();
            ensureRecordTable(targetConnection);
            Optional<Lsn> rec = read(targetConnection, slot);
            recorded = rec.orElse(null);
            if (rec.isPresent() && start.isBefore(rec.get())) {
                start = rec.get();
            }
            prepareTarget(targetConnection);
            applier = new ChangeApplier(targetConnection, source, slot);
            openStream(start);
        } catch (SQLException | RuntimeException e) {
            closeQuietly(replication);
            closeQuietly(targetConnection);
            throw e;
        }
        skipBefore = start;
        applied = start;
        confirmed = start;
        startedAt = Instant.now();
        running = true;
        thread = new Thread(this::run, "imago-log-shipper-" + slot);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * How far behind the target is; asks the source for its current position and clock.
     *
     * <p>{@code seconds} is an upper bound of the age of the oldest source commit not yet applied, on the
     * source's clock: the smaller of (a) the time since the newest earlier {@code lag()} call whose source
     * position the target has since passed, and (b) the time since the newest applied transaction committed
     * (every unapplied commit is younger). (a) matters when the source writes only to tables that are not
     * migrated: nothing is applied, yet the target is not behind.
     */
    public Lag lag() throws SQLException {
        throwIfFailed();
        pingRequested = true; // a fresh keepalive moves `applied` along over changes that concern no migrated table
        Lsn current;
        Instant sourceNow;
        synchronized (lagLock) {
            try (Statement st = lagConnection().createStatement();
                 ResultSet rs = st.executeQuery("SELECT pg_current_wal_lsn()::text, clock_timestamp()")) {
                rs.next();
                current = Lsn.parse(rs.getString(1));
                sourceNow = rs.getObject(2, OffsetDateTime.class).toInstant();
            } catch (SQLException e) {
                closeQuietly(lagConnection);
                lagConnection = null;
                throw e;
            }
        }
        throwIfFailed();
        Lsn a = applied;
        long bytes = a.isBefore(current) ? current.value() - a.value() : 0;
        Duration time = Duration.ZERO;
        synchronized (samples) {
            if (bytes > 0) {
                Instant passed = null; // the newest moment the source stood at or before `applied`
                for (Sample sample : samples) {
                    if (!a.isBefore(sample.position())) {
                        passed = sample.at();
                    }
                }
                Instant last = lastCommitTime;
                if (last != null && (passed == null || last.isAfter(passed))) {
                    passed = last;
                }
                time = passed == null ? Duration.between(startedAt, Instant.now()) : Duration.between(passed, sourceNow);
                if (time.isNegative()) {
                    time = Duration.ZERO;
                }
            }
            samples.addLast(new Sample(current, sourceNow));
            while (samples.size() > MAX_SAMPLES || (samples.size() > 1 && !a.isBefore(samples.get(1).position()))) {
                samples.removeFirst(); // keep the newest sample `applied` has passed, and those after it
            }
        }
        return new Lag(bytes, time, a, current);
    }

    /**
     * Waits until the lag is at most {@code bytes} and {@code time}, reporting it to {@code progress} about
     * every 200 ms.
     *
     * @return false when {@code timeout} passed first
     * @throws LogShippingException when shipping failed
     */
    public boolean awaitLagBelow(long bytes, Duration time, Duration timeout, Consumer<Lag> progress) throws SQLException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Lag lag = lag();
            if (progress != null) {
                progress.accept(lag);
            }
            if (lag.bytes() <= bytes && lag.seconds().compareTo(time) <= 0) {
                return true;
            }
            if (System.nanoTime() >= deadline) {
                return false;
            }
            if (!sleep(200)) {
                return false;
            }
        }
    }

    /**
     * Waits until the target holds every source commit before {@code fence} (the write fence's position).
     *
     * @return false when {@code timeout} passed first (or the thread was interrupted)
     * @throws LogShippingException when shipping failed
     */
    public boolean drainTo(Lsn fence, Duration timeout) {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        long nextNudge = start + TimeUnit.MILLISECONDS.toNanos(50);
        while (true) {
            throwIfFailed();
            if (!applied.isBefore(fence)) {
                return true;
            }
            long now = System.nanoTime();
            if (now >= deadline) {
                return false;
            }
            pingRequested = true;
            if (now >= nextNudge) {
                flushSourceLog();
                nextNudge = now + TimeUnit.MILLISECONDS.toNanos(500);
            }
            if (!sleep(5)) {
                return false;
            }
        }
    }

    /**
     * Stops shipping: the source transactions received whole are committed, a half-received one is rolled
     * back (the next shipper receives it again). Idempotent.
     */
    public synchronized void stop() {
        stopRequested = true;
        Thread t = thread;
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(TimeUnit.SECONDS.toMillis(30));
                if (t.isAlive()) { // stuck in a statement: pull the connections from under it
                    abortQuietly(targetConnection);
                    abortQuietly(replication);
                    t.join(TimeUnit.SECONDS.toMillis(5));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (lagLock) {
            closeQuietly(lagConnection);
            lagConnection = null;
        }
    }

    @Override
    public void close() {
        stop();
    }

    /** True from {@link #start} until the shipping thread ends (stopped or failed). */
    public boolean isRunning() {
        return running;
    }

    /** What stopped the shipper, if it failed. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /** Row changes (and truncations) committed to the target by this shipper. */
    public long changesApplied() {
        return changesApplied.get();
    }

    /** Source transactions committed to the target by this shipper (those touching no migrated table not counted). */
    public long transactionsApplied() {
        return transactionsApplied.get();
    }

    /** How often an unchanged TOASTed value had to be read back from the source (neither old row nor target copy had it). */
    long toastSourceLookups() {
        ChangeApplier a = applier;
        return a == null ? 0 : a.sourceLookups();
    }

    /** The applied position recorded on the target when this shipper started; empty when there was none. */
    public Optional<Lsn> recordedAtStart() {
        return Optional.ofNullable(recorded);
    }

    /** The source position recorded on the target for this slot: every source commit before it is applied. */
    public static Optional<Lsn> appliedPosition(PgEndpoint target, String slot) throws SQLException {
        try (Connection c = target.connect()) {
            return read(c, slot);
        }
    }

    /**
     * Forgets the position recorded on the target for this slot, so that a slot created anew under the same
     * name (another source database) starts where its caller says, not where an old one stopped.
     */
    public static void forget(PgEndpoint target, String slot) throws SQLException {
        try (Connection c = target.connect()) {
            if (read(c, slot).isPresent()) {
                try (PreparedStatement ps = c.prepareStatement("DELETE FROM imago_meta.shipping WHERE slot = ?")) {
                    ps.setString(1, slot);
                    ps.executeUpdate();
                }
            }
        }
    }

    /** Test hook: crash (as a killed process would) at the n-th change applied, or after the n-th target commit. */
    void crashAt(CrashPoint point, long n) {
        crash = new Crash(point, n);
    }

    // ---------------------------------------------------------------- the shipping thread

    private void run() {
        boolean crashed = false;
        try {
            while (!stopRequested) {
                ByteBuffer buffer = stream.readPending();
                if (buffer == null) {
                    idle();
                } else {
                    idleSleep = 0;
                    handle(PgOutputDecoder.decode(buffer));
                }
            }
            if (!inTransaction && applier.open()) {
                commitGroup();
            }
        } catch (SimulatedCrash e) {
            crashed = true;
            failure = new LogShippingException("log shipping from slot '" + slot + "' crashed (simulated): " + e.getMessage(), e);
        } catch (Throwable e) {
            String where = inTransaction || applier.open() ? " applying the source transactions after " + applied : "";
            failure = new LogShippingException("log shipping from slot '" + slot + "' stopped" + where + ": " + e.getMessage(), e);
        } finally {
            if (crashed) {
                abortQuietly(targetConnection);
                abortQuietly(replication);
            } else {
                try {
                    if (applier.open() && !targetConnection.isClosed()) {
                        applier.rollback();
                    }
                } catch (SQLException ignored) {
                    // the session is going away: the server rolls back
                }
                closeQuietly(replication);
                closeQuietly(targetConnection);
            }
            applier.close();
            running = false;
        }
    }

    private void idle() throws SQLException {
        if (!inTransaction && applier.open()) {
            commitGroup(); // nothing more is waiting: end the target transaction now
            return;
        }
        if (!inTransaction) {
            // Everything received is applied: the server has sent every transaction committed before the
            // position it last told us (a keepalive's WAL end, or the last commit's end).
            Lsn received = new Lsn(stream.getLastReceiveLSN().asLong());
            if (applied.isBefore(received)) {
                applied = received;
            }
            long now = System.nanoTime();
            if ((pingRequested && now - lastConfirm >= PING_INTERVAL_NANOS)
                    || (confirmed.isBefore(applied) && now - lastConfirm >= IDLE_CONFIRM_NANOS)) {
                pingRequested = false;
                confirm(applied); // asks for a reply: the server answers with a keepalive carrying its position
                lastConfirm = now;
                idleSleep = 0;
            }
        }
        // Back off while nothing arrives: 1, 2, 4 ... 16 ms.
        idleSleep = Math.min(MAX_IDLE_SLEEP_MILLIS, Math.max(1, idleSleep * 2));
        sleepQuietly(idleSleep);
    }

    private void handle(PgOutputMessage message) throws SQLException {
        if (message instanceof Begin b) {
            inTransaction = true;
            transactionChanges = 0;
            // Its commit lies before the start position: it is in the snapshot or already applied.
            skipping = b.finalLsn().isBefore(skipBefore);
        } else if (message instanceof Commit c) {
            commit(c);
        } else if (message instanceof Relation r) {
            relations.put(r.oid(), bind(r));
        } else if (message instanceof Insert i) {
            Bound b = bound(i.relationOid());
            if (b != null) {
                applier.insert(b.table(), row(b, i.newTuple(), null));
                changed();
            }
        } else if (message instanceof Update u) {
            Bound b = bound(u.relationOid());
            if (b != null) {
                boolean[] unchanged = u.newTuple().hasUnchangedToast() ? new boolean[b.columnOf().length] : null;
                String[] old = u.oldTuple() == null ? null : row(b, u.oldTuple(), null);
                applier.update(b.table(), old, u.oldKind() == 'O', row(b, u.newTuple(), unchanged), unchanged);
                changed();
            }
        } else if (message instanceof Delete d) {
            Bound b = bound(d.relationOid());
            if (b != null) {
                applier.delete(b.table(), row(b, d.oldTuple(), null));
                changed();
            }
        } else if (message instanceof Truncate t && !skipping) {
            List<ShippedTable> targets = new ArrayList<>();
            for (int oid : t.relationOids()) {
                Bound b = relations.get(oid);
                if (b != null && b.table() != null) {
                    targets.add(b.table());
                }
            }
            if (!targets.isEmpty()) {
                applier.truncate(targets);
                changed();
            }
        }
        // Origin, Type, logical messages: nothing to apply
    }

    private void commit(Commit c) throws SQLException {
        inTransaction = false;
        if (skipping) {
            skipping = false;
            return;
        }
        groupEnd = c.endLsn();
        groupCommitTime = c.commitTime();
        if (!applier.open()) {
            // Touched no migrated table: nothing to write, the position moves on.
            if (applied.isBefore(c.endLsn())) {
                applied = c.endLsn();
            }
            lastCommitTime = c.commitTime();
            return;
        }
        if (transactionChanges > 0) {
            groupTransactions++;
        }
        if (groupChanges >= GROUP_MAX_CHANGES || System.nanoTime() - groupStarted >= TimeUnit.MILLISECONDS.toNanos(GROUP_MAX_MILLIS)) {
            commitGroup();
        }
    }

    private void changed() {
        transactionChanges++;
        if (groupChanges++ == 0) {
            groupStarted = System.nanoTime();
        }
        Crash c = crash;
        if (c != null && c.point() == CrashPoint.AT_CHANGE && ++changesSeen >= c.after()) {
            throw new SimulatedCrash("at change " + changesSeen + ", inside a source transaction");
        }
    }

    private void commitGroup() throws SQLException {
        Lsn end = groupEnd;
        applier.commit(end, groupCommitTime);
        recorded = end;
        lastCommitTime = groupCommitTime;
        if (applied.isBefore(end)) {
            applied = end;
        }
        changesApplied.addAndGet(groupChanges);
        transactionsApplied.addAndGet(groupTransactions);
        groupChanges = 0;
        groupTransactions = 0;
        commitsDone++;
        Crash c = crash;
        if (c != null && c.point() == CrashPoint.AFTER_TARGET_COMMIT && commitsDone >= c.after()) {
            throw new SimulatedCrash("after target commit " + commitsDone + " (source position " + end + "), before telling the server");
        }
        confirm(end);
    }

    /** Tells the server the position is durably applied: it may recycle the log before it. */
    private void confirm(Lsn position) throws SQLException {
        LogSequenceNumber lsn = LogSequenceNumber.valueOf(position.value());
        stream.setFlushedLSN(lsn);
        stream.setAppliedLSN(lsn);
        stream.forceUpdateStatus();
        confirmed = position;
    }

    /** The relation's migration, or null when its changes are to be ignored (skipped, unknown, or before the start). */
    private Bound bound(int oid) {
        if (skipping) {
            return null;
        }
        Bound b = relations.get(oid);
        if (b == null) {
            throw new IllegalStateException("change for relation " + Integer.toUnsignedString(oid) + " before its Relation message");
        }
        return b.table() == null ? null : b;
    }

    private Bound bind(Relation r) {
        ShippedTable t = "public".equals(r.namespace()) ? tables.get(r.name()) : null;
        if (t == null) {
            return new Bound(r, null, null);
        }
        List<SourceColumn> cols = t.migration().sourceColumns();
        int[] columnOf = new int[cols.size()];
        for (int i = 0; i < cols.size(); i++) {
            columnOf[i] = -1;
            for (int j = 0; j < r.columns().size(); j++) {
                if (r.columns().get(j).name().equals(cols.get(i).name())) {
                    columnOf[i] = j;
                    break;
                }
            }
        }
        for (int k : t.keyIndex()) {
            if (columnOf[k] < 0) {
                throw new IllegalStateException("the source's changes to '" + r.name() + "' lack primary key column '" + cols.get(k).name()
                        + "': was the table altered?");
            }
        }
        return new Bound(r, t, columnOf);
    }

    /**
     * The tuple as text values in source column order. Columns the stream does not carry (generated ones)
     * are null. Marks unchanged-TOAST columns in {@code unchanged} when given.
     */
    private static String[] row(Bound b, TupleData tuple, boolean[] unchanged) {
        int[] columnOf = b.columnOf();
        if (tuple.size() != b.relation().columns().size()) {
            throw new IllegalStateException("a tuple of '" + b.relation().name() + "' has " + tuple.size() + " columns, its relation "
                    + b.relation().columns().size());
        }
        String[] out = new String[columnOf.length];
        for (int i = 0; i < columnOf.length; i++) {
            if (columnOf[i] >= 0) {
                Value v = tuple.get(columnOf[i]);
                out[i] = v.text();
                if (unchanged != null && v.isUnchangedToast()) {
                    unchanged[i] = true;
                }
            }
        }
        return out;
    }

    // ---------------------------------------------------------------- set-up

    private void openStream(Lsn start) throws SQLException {
        long deadline = System.nanoTime() + SLOT_BUSY_WAIT.toNanos();
        while (true) {
            replication = source.connectReplication();
            try {
                stream = replication.unwrap(PGConnection.class).getReplicationAPI().replicationStream().logical()
                        .withSlotName(slot)
                        .withSlotOption("proto_version", "1")
                        .withSlotOption("publication_names", Sql.ident(publication))
                        .withStartPosition(LogSequenceNumber.valueOf(start.value()))
                        .withStatusInterval(10, TimeUnit.SECONDS)
                        .start();
                return;
            } catch (SQLException e) {
                closeQuietly(replication);
                replication = null;
                // 55006 object_in_use: the previous shipper's walsender has not let go of the slot yet
                if (!"55006".equals(e.getSQLState()) || System.nanoTime() >= deadline) {
                    throw e;
                }
                sleepQuietly(200);
            }
        }
    }

    private static void ensureRecordTable(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("CREATE SCHEMA IF NOT EXISTS imago_meta");
            st.execute("CREATE TABLE IF NOT EXISTS imago_meta.shipping (slot text PRIMARY KEY, applied_lsn pg_lsn NOT NULL, "
                    + "applied_at timestamptz NOT NULL, source_commit_time timestamptz)");
        }
    }

    private static Optional<Lsn> read(Connection c, String slot) throws SQLException {
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT to_regclass('imago_meta.shipping') IS NOT NULL")) {
            rs.next();
            if (!rs.getBoolean(1)) {
                return Optional.empty();
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT applied_lsn::text FROM imago_meta.shipping WHERE slot = ?")) {
            ps.setString(1, slot);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(Lsn.parse(rs.getString(1))) : Optional.empty();
            }
        }
    }

    private static void prepareTarget(Connection c) throws SQLException {
        try (Statement st = c.createStatement()) {
            st.execute("SET statement_timeout = 0");
            st.execute("SET idle_in_transaction_session_timeout = 0");
            // The server is told a position only once its target commit is durable.
            st.execute("SET synchronous_commit = on");
            try {
                // As logical replication's apply does, and the bulk copy: no triggers, no foreign key checks
                // (a key update is a delete and an insert; the source already enforced the constraints).
                st.execute("SET session_replication_role = replica");
            } catch (SQLException notPermitted) {
                // Without the privilege, triggers and foreign key checks stay on: fine for schemas without them.
            }
        }
        c.setAutoCommit(false);
    }

    /** Has the source flush its log up to now: a commit that wrote something and waits for its flush. */
    private void flushSourceLog() {
        synchronized (lagLock) {
            try {
                Connection c = lagConnection();
                try (Statement st = c.createStatement()) {
                    c.setAutoCommit(false);
                    st.execute("SET LOCAL synchronous_commit = on");
                    st.execute("SELECT pg_logical_emit_message(true, 'imago', 'drain')");
                    c.commit();
                } finally {
                    c.setAutoCommit(true);
                }
            } catch (SQLException ignored) {
                // not permitted, or the source is read-only: the walwriter flushes on its own in time
                closeQuietly(lagConnection);
                lagConnection = null;
            }
        }
    }

    private Connection lagConnection() throws SQLException {
        if (lagConnection == null || lagConnection.isClosed()) {
            lagConnection = source.connect();
        }
        return lagConnection;
    }

    private void throwIfFailed() {
        Throwable f = failure;
        if (f != null) {
            throw f instanceof LogShippingException l ? new LogShippingException(l.getMessage(), l.getCause()) : new LogShippingException(
                    "log shipping from slot '" + slot + "' stopped: " + f.getMessage(), f);
        }
        if (!running && stopRequested) {
            throw new IllegalStateException("log shipping from slot '" + slot + "' was stopped");
        }
        if (thread == null) {
            throw new IllegalStateException("log shipping from slot '" + slot + "' was not started");
        }
    }

    private static boolean sleep(long millis) {
        try {
            Thread.sleep(millis);
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void closeQuietly(Connection c) {
        if (c != null) {
            try {
                c.close();
            } catch (SQLException ignored) {
                // closing anyway
            }
        }
    }

    private static void abortQuietly(Connection c) {
        if (c != null) {
            try {
                c.abort(Runnable::run);
            } catch (SQLException ignored) {
                // gone already
            }
        }
    }
}
