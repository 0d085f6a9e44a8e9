package io.imago.migration;

import java.sql.Connection;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
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
 * {@value TransactionGroup#MAX_CHANGES} changes or {@value TransactionGroup#MAX_MILLIS} ms): still whole source transactions
 * only, so a reader of the target never sees part of one. Target transactions commit asynchronously
 * ({@code synchronous_commit = off}, as native logical replication's apply): a target crash may lose the
 * newest ones, but always together with the record of their position. So the server is told a position
 * (confirmed flush) only once the target's log is flushed past the target commit that recorded it
 * ({@link FlushedConfirmations}: {@code pg_current_wal_flush_lsn()} against the commit's position), never
 * earlier; it then still has every change after the surviving record. On start the shipper begins at the
 * recorded position, or at {@code startIfNoRecord} (the snapshot's consistent point) when there is none or
 * it lies before that, and ignores every transaction whose commit lies before that position: a crash of
 * the shipper or of the target at any point neither loses nor doubles a change.
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
 * server decodes up to the fence. {@link #lag()} counts commits as soon as they are visible on the target;
 * {@link #drainTo} waits until they are durable as well (it has the shipper commit synchronously once,
 * which flushes every earlier commit): the switch that follows a drain flips to the target and stops
 * shipping, so after it no restart from the record could redo commits a target crash took away.
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
 * <p>The pieces, each testable alone: {@link SlotStream} reads the slot, {@link PgOutputDecoder} decodes,
 * {@link RelationBindings} binds relations to their migrations, {@link TransactionGroup} groups whole source
 * transactions, {@link ChangeDispatcher} and {@link ChangeApplier} apply them with the {@link ShippingRecord},
 * {@link AppliedProgress} and {@link SourceLagProbe} track the lag, {@link ShippingSession} holds the
 * connections and {@link Reconnector} reopens them ({@link ReconnectPolicy}: the backoff). {@link ShippingLoop}
 * is the thread that drives them; this class starts, stops and asks it.
 *
 * <p>One shipper per slot at a time. Methods other than {@link #start} and {@link #stop} may be called
 * from any thread.
 */
public final class LogShipper implements AutoCloseable {
    /** How long the connections may stay lost before the shipper gives up, unless {@link #reconnectFor} says otherwise. */
    public static final Duration DEFAULT_RECONNECT_FOR = Duration.ofMinutes(2);
    private static final Duration SLOT_BUSY_WAIT = Duration.ofSeconds(20);
    /** {@link #stop}: how long the shipping thread may take to commit what it holds before its connections are pulled. */
    private static final long STOP_GRACE_MILLIS = TimeUnit.SECONDS.toMillis(30);
    private static final long STOP_AFTER_ABORT_MILLIS = TimeUnit.SECONDS.toMillis(5);

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

    private final PgEndpoint source;
    private final PgEndpoint target;
    private final String slot;
    private final String publication;
    private final Map<String, ShippedTable> tables = new LinkedHashMap<>();
    private final AppliedProgress progress = new AppliedProgress();
    private final CrashHook crash = new CrashHook();
    private final SourceLagProbe lagProbe;
    private volatile Duration reconnectFor = DEFAULT_RECONNECT_FOR;
    private volatile Consumer<String> reconnectListener;
    private volatile ShippingLoop loop;
    private volatile Lsn recorded;
    private Instant startedAt;
    private Thread thread;

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
        ShippingLoop l = new ShippingLoop(source, target, slot, publication, tables, startIfNoRecord == null ? Lsn.ZERO : startIfNoRecord,
                new ReconnectPolicy(reconnectFor), reconnectListener, progress, crash);
        recorded = l.openFirst(SLOT_BUSY_WAIT).orElse(null);
        loop = l;
        startedAt = Instant.now();
        thread = new Thread(l, "imago-log-shipper-" + slot);
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
        ShippingLoop l = loop;
        return l == null ? 0 : l.reconnects();
    }

    /** The latest line {@link #onReconnect} heard; empty while no connection was ever lost. */
    public Optional<String> lastReconnectReason() {
        ShippingLoop l = loop;
        return Optional.ofNullable(l == null ? null : l.lastReconnectReason());
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
        loop.requestPing(); // a fresh keepalive moves `applied` along over changes that concern no migrated table
        SourceLagProbe.SourceNow now = lagProbe.now();
        throwIfFailed();
        return progress.lag(lagProbe, now, startedAt);
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
        // A fence position the source has not flushed its log past yet cannot be read by the walsender until the WAL
        // writer runs (up to 200 ms): the nudge has it flush now. A drain that is only waiting for the apply takes
        // 2-4 ms, so a first nudge at 5 ms is rarely needed and cheap when it is (one round trip to the source);
        // at 50 ms, one switch in 20 waited it out.
        long nextNudge = start + TimeUnit.MILLISECONDS.toNanos(5);
        while (true) {
            throwIfFailed();
            // Applied AND durable: the switch flips right after, and nobody ships afterwards to redo commits a
            // target crash could still take away (asynchronous commits); the loop makes them durable when asked.
            if (!progress.durable().isBefore(fence)) {
                return true;
            }
            long now = System.nanoTime();
            if (now >= deadline) {
                return false;
            }
            loop.requestPing();
            loop.requestDurable();
            if (now >= nextNudge) {
                lagProbe.flushSourceLog();
                nextNudge = now + TimeUnit.MILLISECONDS.toNanos(500);
            }
            // A drain runs inside the switch's write pause: every millisecond between the shipper's durable commit and
            // noticing it is a millisecond of pause (5 ms polls cost 2.5 on average).
            if (!sleep(1)) {
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
        ShippingLoop l = loop;
        if (l != null) {
            l.requestStop();
        }
        Thread t = thread;
        if (t != null && t != Thread.currentThread()) {
            try {
                t.join(STOP_GRACE_MILLIS);
                if (t.isAlive()) { // stuck in a statement: pull the connections from under it
                    l.abortSession();
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
        ShippingLoop l = loop;
        return l != null && l.running();
    }

    /** What stopped the shipper, if it failed. */
    public Optional<Throwable> failure() {
        ShippingLoop l = loop;
        return Optional.ofNullable(l == null ? null : l.failure());
    }

    /** Row changes (and truncations) committed to the target by this shipper. */
    public long changesApplied() {
        return progress.changes();
    }

    /** Source transactions committed to the target by this shipper (those touching no migrated table not counted). */
    public long transactionsApplied() {
        return progress.transactions();
    }

    /** How often an unchanged TOASTed value had to be read back from the source (neither old row nor target copy had it). */
    long toastSourceLookups() {
        ShippingLoop l = loop;
        return l == null ? 0 : l.toastSourceLookups();
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
        crash.arm(point, n);
    }

    private void throwIfFailed() {
        ShippingLoop l = loop;
        if (l == null) {
            throw new IllegalStateException("log shipping from slot '" + slot + "' was not started");
        }
        Throwable f = l.failure();
        if (f != null) {
            throw f instanceof LogShippingException e ? new LogShippingException(e.getMessage(), e.getCause()) : new LogShippingException(
                    "log shipping from slot '" + slot + "' stopped: " + f.getMessage(), f);
        }
        if (!l.running() && l.stopRequested()) {
            throw new IllegalStateException("log shipping from slot '" + slot + "' was stopped");
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
}
