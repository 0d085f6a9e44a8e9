package io.imago.migration;

import io.imago.migration.PgOutputMessage.Begin;
import io.imago.migration.PgOutputMessage.Commit;
import io.imago.migration.PgOutputMessage.Delete;
import io.imago.migration.PgOutputMessage.Insert;
import io.imago.migration.PgOutputMessage.Relation;
import io.imago.migration.PgOutputMessage.Truncate;
import io.imago.migration.PgOutputMessage.Update;
import java.nio.ByteBuffer;
import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

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
 * <h2>Lost connections</h2>
 * When a connection to either server is lost ({@link PgErrors#connectionLost}: a server restarted, crashed or
 * dropped the session), the shipper closes both, waits ({@link ReconnectPolicy}: 100 ms doubling to 5 s, with
 * jitter), reopens both and resumes from the position recorded on the target, exactly as a new shipper's
 * {@link #start} would: the open target transaction died with its connection, and the slot sends everything
 * after the recorded position again. It gives up, failing with the last error, once the connections have been
 * down for {@link #reconnectFor(Duration) reconnectFor} (default {@link #DEFAULT_RECONNECT_FOR}). Any other error
 * fails the shipper at once. {@link #reconnects()} and {@link #onReconnect} let a caller show what is happening.
 *
 * <p>The pieces: {@link SlotStream} reads the slot, {@link PgOutputDecoder} decodes, {@link ChangeApplier}
 * applies, {@link ShippingRecord} is the recorded position, {@link ReconnectPolicy} the backoff; this class
 * drives them and groups transactions.
 *
 * <p>One shipper per slot at a time. Methods other than {@link #start} and {@link #stop} may be called
 * from any thread.
 */
public final class LogShipper implements AutoCloseable {
    static final int GROUP_MAX_CHANGES = 5_000;
    static final long GROUP_MAX_MILLIS = 250;
    /** How long the connections may stay lost before the shipper gives up, unless {@link #reconnectFor} says otherwise. */
    public static final Duration DEFAULT_RECONNECT_FOR = Duration.ofMinutes(2);
    private static final Duration SLOT_BUSY_WAIT = Duration.ofSeconds(20);
    /** {@link #stop}: how long the shipping thread may take to commit what it holds before its connections are pulled. */
    private static final long STOP_GRACE_MILLIS = TimeUnit.SECONDS.toMillis(30);
    private static final long STOP_AFTER_ABORT_MILLIS = TimeUnit.SECONDS.toMillis(5);
    private static final String SOURCE = "source";
    private static final String TARGET = "target";
    /** While idle, the server hears from us (and we learn whether it is still there) at least this often. */
    private static final long IDLE_CONFIRM_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long MAX_IDLE_SLEEP_MILLIS = 16;
    private static final long PING_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);

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

    private static final class SimulatedCrash extends RuntimeException {
        private static final long serialVersionUID = 1L;

        SimulatedCrash(String message) {
            super(message);
        }
    }

    private final PgEndpoint source;
    private final PgEndpoint target;
    private final String slot;
    private final String publication;
    private final Map<String, ShippedTable> tables = new LinkedHashMap<>();
    private volatile Duration reconnectFor = DEFAULT_RECONNECT_FOR;
    private volatile Consumer<String> reconnectListener;

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
    private final AtomicLong reconnects = new AtomicLong();
    private volatile String lastReconnectReason;
    private final Object pauseLock = new Object();
    private final SourceLagProbe lagProbe;
    private Instant startedAt;
    private Thread thread;

    // Owned by the shipping thread (volatile: stop() pulls the connections from under a stuck thread).
    private volatile SlotStream stream;
    private volatile Connection targetConnection;
    private volatile ChangeApplier applier;
    private volatile long closedAppliersLookups;
    private Lsn startIfNoRecord = Lsn.ZERO;
    private ReconnectPolicy policy;
    /** Which server the shipping thread is talking to at the moment: named when its connection is lost. */
    private String side = TARGET;
    private final Map<Integer, BoundRelation> relations = new HashMap<>();
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
        this.lagProbe = new SourceLagProbe(source);
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
        this.startIfNoRecord = startIfNoRecord == null ? Lsn.ZERO : startIfNoRecord;
        policy = new ReconnectPolicy(reconnectFor);
        try {
            recorded = openSession(SLOT_BUSY_WAIT).orElse(null);
        } catch (SQLException | RuntimeException e) {
            closeSession();
            throw e;
        }
        startedAt = Instant.now();
        running = true;
        thread = new Thread(this::run, "imago-log-shipper-" + slot);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * How long the connections may stay lost (from the moment one is lost until shipping resumes) before the
     * shipper gives up and fails with the last error; {@link Duration#ZERO}: fail at once, as before
     * reconnecting existed. Takes effect at {@link #start}.
     *
     * @return this
     */
    public LogShipper reconnectFor(Duration budget) {
        Objects.requireNonNull(budget, "budget");
        if (budget.isNegative()) {
            throw new IllegalArgumentException("negative reconnect budget: " + budget);
        }
        this.reconnectFor = budget;
        return this;
    }

    /**
     * Hears, on the shipping thread, one line per reconnect attempt ("reconnecting to the source (attempt 3):
     * Connection refused") and one when shipping resumes. Must return quickly and not throw.
     *
     * @return this
     */
    public LogShipper onReconnect(Consumer<String> listener) {
        this.reconnectListener = listener;
        return this;
    }

    /** How often this shipper lost its connections and resumed shipping on new ones. */
    public long reconnects() {
        return reconnects.get();
    }

    /** The latest line {@link #onReconnect} heard; empty while no connection was ever lost. */
    public Optional<String> lastReconnectReason() {
        return Optional.ofNullable(lastReconnectReason);
    }

    /**
     * How far behind the target is; asks the source for its current position and clock.
     *
     * <p>{@code seconds} is an upper bound of the age of the oldest source commit not yet applied, on the
     * source's clock: the smaller of (a) the time since the newest earlier {@code lag()} call whose source
     * position the target has since passed, and (b) the time since the newest applied transaction committed
     * (every unapplied commit is younger). (a) matters when the source writes only to tables that are not
     * migrated: nothing is applied, yet the target is not behind.
     *
     * <p>Asks on a connection of its own, kept between calls, with brief timeouts. When that connection turns
     * out to be lost (the source restarted since the last call), asks once more on a new one.
     *
     * @throws SQLException when the source cannot be asked (while it is down, the shipper is reconnecting)
     */
    public Lag lag() throws SQLException {
        throwIfFailed();
        pingRequested = true; // a fresh keepalive moves `applied` along over changes that concern no migrated table
        SourceLagProbe.SourceNow now = lagProbe.now();
        throwIfFailed();
        Lsn a = applied;
        long bytes = a.isBefore(now.position()) ? now.position().value() - a.value() : 0;
        Duration time = lagProbe.age(a, bytes > 0, now, lastCommitTime, startedAt);
        return new Lag(bytes, time, a, now.position());
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
            Lag lag;
            try {
                lag = lag();
            } catch (SQLException e) {
                if (!PgErrors.connectionLost(e)) {
                    throw e;
                }
                lag = null; // the source is out of reach: the shipper is reconnecting, or fails once its budget is spent
            }
            if (lag != null && progress != null) {
                progress.accept(lag);
            }
            if (lag != null && lag.bytes() <= bytes && lag.seconds().compareTo(time) <= 0) {
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
     * Keeps waiting while the shipper reconnects.
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
                lagProbe.flushSourceLog();
                nextNudge = now + TimeUnit.MILLISECONDS.toNanos(500);
            }
            if (!sleep(5)) {
                return false;
            }
        }
    }

    /**
     * Stops shipping: the source transactions received whole are committed, a half-received one is rolled
     * back (the next shipper receives it again). Idempotent. Returns within about 36 s whatever the servers do:
     * a shipping thread still busy after 30 s (a statement on a frozen server) has its connections pulled from
     * under it and gets 5 s more; a thread stuck even then (opening a connection, bounded by the connect and
     * login timeouts) is left to end by itself, and closes what it opened.
     */
    public synchronized void stop() {
        stopRequested = true;
        synchronized (pauseLock) {
            pauseLock.notifyAll(); // a thread waiting to reconnect stops waiting
        }
        Thread t = thread;
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(STOP_GRACE_MILLIS);
                if (t.isAlive()) { // stuck in a statement: pull the connections from under it
                    abortSession();
                    t.join(STOP_AFTER_ABORT_MILLIS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        lagProbe.close(Duration.ofSeconds(1)); // a lag() call stuck on a frozen source has its connection pulled
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
        return closedAppliersLookups + (a == null ? 0 : a.sourceLookups());
    }

    /** The applied position recorded on the target when this shipper started; empty when there was none. */
    public Optional<Lsn> recordedAtStart() {
        return Optional.ofNullable(recorded);
    }

    /** The source position recorded on the target for this slot: every source commit before it is applied. */
    public static Optional<Lsn> appliedPosition(PgEndpoint target, String slot) throws SQLException {
        try (Connection c = target.connect()) {
            return ShippingRecord.read(c, slot);
        }
    }

    /**
     * Forgets the position recorded on the target for this slot, so that a slot created anew under the same
     * name (another source database) starts where its caller says, not where an old one stopped.
     */
    public static void forget(PgEndpoint target, String slot) throws SQLException {
        try (Connection c = target.connect()) {
            ShippingRecord.forget(c, slot);
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
            while (true) {
                try {
                    ship();
                    break;
                } catch (SimulatedCrash e) {
                    crashed = true;
                    failure = new LogShippingException("log shipping from slot '" + slot + "' crashed (simulated): " + e.getMessage(), e);
                    break;
                } catch (Throwable e) {
                    if (stopRequested || !PgErrors.connectionLost(e)) {
                        ChangeApplier a = applier;
                        String where = inTransaction || (a != null && a.open()) ? " applying the source transactions after " + applied : "";
                        failure = new LogShippingException("log shipping from slot '" + slot + "' stopped" + where + ": " + e.getMessage(), e);
                        break;
                    }
                    if (!reconnect(e)) {
                        break; // gave up (failure set), or stopped while waiting
                    }
                }
            }
        } finally {
            if (crashed) {
                abortSession();
            } else {
                rollbackQuietly();
            }
            closeSession();
            running = false;
        }
    }

    /** Reads and applies until stopped; then commits the source transactions received whole. */
    private void ship() throws SQLException {
        while (!stopRequested) {
            side = SOURCE;
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
    }

    /**
     * The connection to {@code side} is lost: closes both, waits as the policy says, and reopens both as
     * {@link #start} would, resuming after the recorded position.
     *
     * @return true when shipping can go on; false when the budget is spent (failure set) or stop was requested
     */
    private boolean reconnect(Throwable lost) {
        policy.lost();
        closeSession(); // the open target transaction dies with its connection: the slot sends it again
        resetSession();
        Throwable last = lost;
        String lastSide = side;
        while (!stopRequested) {
            Optional<Duration> delay = policy.nextDelay();
            if (delay.isEmpty()) {
                LogShippingException f = new LogShippingException("log shipping from slot '" + slot + "' stopped: lost the connection to the "
                        + lastSide + " and could not reconnect within " + policy.budget().toMillis() + " ms (" + policy.attempts() + " attempts): "
                        + last.getMessage(), last);
                if (last != lost) {
                    f.addSuppressed(lost);
                }
                failure = f;
                return false;
            }
            report("reconnecting to the " + lastSide + " (attempt " + policy.attempts() + "): " + PgErrors.rootMessage(last));
            if (!pause(delay.get())) {
                return false;
            }
            try {
                openSession(Duration.ZERO); // a slot still held by the old walsender: the next attempt, after the next delay
                if (stopRequested) {
                    return false;
                }
                reconnects.incrementAndGet();
                policy.reconnected();
                report("reconnected after " + policy.attempts() + (policy.attempts() == 1 ? " attempt" : " attempts") + " ("
                        + policy.elapsed().toMillis() + " ms); resuming after " + skipBefore);
                return true;
            } catch (SQLException | RuntimeException e) {
                closeSession();
                if (!PgErrors.connectionLost(e) && !PgErrors.objectInUse(e)) {
                    e.addSuppressed(lost);
                    failure = new LogShippingException("log shipping from slot '" + slot + "' stopped reconnecting to the " + side + ": "
                            + e.getMessage(), e);
                    return false;
                }
                last = e;
                lastSide = side;
            }
        }
        return false;
    }

    /** Waits, unless stop is requested meanwhile. @return false when stopped */
    private boolean pause(Duration d) {
        long deadline = System.nanoTime() + d.toNanos();
        synchronized (pauseLock) {
            while (!stopRequested) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return true;
                }
                try {
                    pauseLock.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
        }
        return false;
    }

    private void report(String message) {
        lastReconnectReason = message;
        Consumer<String> l = reconnectListener;
        if (l != null) {
            try {
                l.accept(message);
            } catch (RuntimeException ignored) {
                // a listener's trouble is not the shipper's
            }
        }
    }

    private void idle() throws SQLException {
        if (!inTransaction && applier.open()) {
            commitGroup(); // nothing more is waiting: end the target transaction now
            return;
        }
        long now = System.nanoTime();
        if (!inTransaction) {
            // Everything received is applied: the server has sent every transaction committed before the
            // position it last told us (a keepalive's WAL end, or the last commit's end).
            Lsn received = stream.lastReceived();
            if (applied.isBefore(received)) {
                applied = received;
            }
            if (pingRequested && now - lastConfirm >= PING_INTERVAL_NANOS) {
                pingRequested = false;
                confirm(applied); // asks for a reply: the server answers with a keepalive carrying its position
                lastConfirm = now;
                idleSleep = 0;
            }
        }
        if (now - lastConfirm >= IDLE_CONFIRM_NANOS) {
            // At least once a second, even inside a source transaction: the driver's non-blocking read takes the
            // end of the stream for "nothing yet", so only a write (failing once the server is gone: broken
            // pipe) tells a server that went away from an idle one. Confirms what is applied so far.
            confirm(applied);
            lastConfirm = now;
            idleSleep = 0;
        }
        // Back off while nothing arrives: 1, 2, 4 ... 16 ms.
        idleSleep = Math.min(MAX_IDLE_SLEEP_MILLIS, Math.max(1, idleSleep * 2));
        sleepQuietly(idleSleep);
    }

    private void handle(PgOutputMessage message) throws SQLException {
        side = TARGET;
        if (message instanceof Begin b) {
            inTransaction = true;
            transactionChanges = 0;
            // Its commit lies before the start position: it is in the snapshot or already applied.
            skipping = b.finalLsn().isBefore(skipBefore);
        } else if (message instanceof Commit c) {
            commit(c);
        } else if (message instanceof Relation r) {
            relations.put(r.oid(), BoundRelation.bind(r, tables));
        } else if (message instanceof Insert i) {
            BoundRelation b = bound(i.relationOid());
            if (b != null) {
                applier.insert(b.table(), b.row(i.newTuple(), null));
                changed();
            }
        } else if (message instanceof Update u) {
            BoundRelation b = bound(u.relationOid());
            if (b != null) {
                boolean[] unchanged = u.newTuple().hasUnchangedToast() ? new boolean[b.columnOf().length] : null;
                String[] old = u.oldTuple() == null ? null : b.row(u.oldTuple(), null);
                applier.update(b.table(), old, u.oldKind() == 'O', b.row(u.newTuple(), unchanged), unchanged);
                changed();
            }
        } else if (message instanceof Delete d) {
            BoundRelation b = bound(d.relationOid());
            if (b != null) {
                applier.delete(b.table(), b.row(d.oldTuple(), null));
                changed();
            }
        } else if (message instanceof Truncate t && !skipping) {
            List<ShippedTable> targets = new ArrayList<>();
            for (int oid : t.relationOids()) {
                BoundRelation b = relations.get(oid);
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
        side = TARGET;
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
        side = SOURCE;
        stream.confirm(position);
        confirmed = position;
    }

    /** The relation's migration, or null when its changes are to be ignored (skipped, unknown, or before the start). */
    private BoundRelation bound(int oid) {
        if (skipping) {
            return null;
        }
        BoundRelation b = relations.get(oid);
        if (b == null) {
            throw new IllegalStateException("change for relation " + Integer.toUnsignedString(oid) + " before its Relation message");
        }
        return b.table() == null ? null : b;
    }

    // ---------------------------------------------------------------- set-up

    /**
     * Opens the target (reading the recorded position) and the slot's stream from there: what {@link #start}
     * does, and every reconnect.
     *
     * @return the recorded position
     */
    private Optional<Lsn> openSession(Duration slotBusyWait) throws SQLException {
        side = TARGET;
        Connection t = target.connect();
        targetConnection = t;
        ShippingRecord.ensureTable(t);
        Optional<Lsn> rec = ShippingRecord.read(t, slot);
        Lsn from = startIfNoRecord;
        if (rec.isPresent() && from.isBefore(rec.get())) {
            from = rec.get();
        }
        ChangeApplier.prepareSession(t);
        applier = new ChangeApplier(t, source, slot);
        side = SOURCE;
        stream = SlotStream.open(source, slot, publication, from, slotBusyWait);
        skipBefore = from;
        confirmed = from;
        lastConfirm = System.nanoTime();
        if (applied.isBefore(from)) {
            applied = from;
        }
        return rec;
    }

    /** Forgets what the closed stream had half sent: the next one starts at a transaction boundary. */
    private void resetSession() {
        relations.clear(); // a new walsender sends every Relation again before its first change
        inTransaction = false;
        skipping = false;
        groupEnd = null;
        groupCommitTime = null;
        groupTransactions = 0;
        groupChanges = 0;
        transactionChanges = 0;
        idleSleep = 0;
    }

    /** Rolls the open target transaction back, if the target still answers (the thread is ending). */
    private void rollbackQuietly() {
        ChangeApplier a = applier;
        Connection t = targetConnection;
        try {
            if (a != null && a.open() && t != null && !t.isClosed()) {
                a.rollback();
            }
        } catch (SQLException ignored) {
            // the session is going away: the server rolls back
        }
    }

    /** Closes the stream and the target connection (no statement: bounded even when a server froze). */
    private void closeSession() {
        ChangeApplier a = applier;
        if (a != null) {
            a.close();
            closedAppliersLookups += a.sourceLookups();
        }
        SlotStream s = stream;
        if (s != null) {
            s.close();
        }
        closeQuietly(targetConnection);
        applier = null;
        stream = null;
        targetConnection = null;
    }

    /** Pulls the connections from under the shipping thread (a crash, or stop() giving up waiting). Any thread. */
    private void abortSession() {
        abortQuietly(targetConnection);
        SlotStream s = stream;
        if (s != null) {
            s.abort();
        }
        ChangeApplier a = applier;
        if (a != null) {
            a.abortSourceLookups();
        }
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
