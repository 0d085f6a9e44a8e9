package io.imago.migration;

import java.nio.ByteBuffer;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The shipping thread: reads the {@link SlotStream}, decodes ({@link PgOutputDecoder}), groups whole source
 * transactions ({@link TransactionGroup}), hands their changes to the {@link ChangeApplier}
 * ({@link ChangeDispatcher}), commits each group with its position record, and only then tells the source
 * the position. Publishes how far it got in {@link AppliedProgress}. A lost connection to either server
 * closes the session and opens a new one after the {@link ReconnectPolicy}'s wait, from the recorded
 * position; any other error ends the loop with {@link #failure()} set.
 */
final class ShippingLoop implements Runnable {
    /** While idle, the server hears from us (and we learn whether it is still there) at least this often. */
    private static final long IDLE_CONFIRM_NANOS = TimeUnit.SECONDS.toNanos(1);
    /**
     * The driver's {@code readPending()} waits up to 1 ms for a message when nothing is buffered, and returns
     * the moment one arrives: a poll that took about that long has waited already, and the next one follows at
     * once, so the thread spends its idle time in that read, not asleep while a change arrives. Only a poll that
     * came back without waiting (the driver may skip its wait) is followed by a sleep, backing off from
     * {@value #MIN_IDLE_SLEEP_NANOS} ns doubling up to {@value #MAX_IDLE_SLEEP_NANOS} ns, which bounds the lag it
     * adds. An idle shipper makes about 800 of those reads a second; measured on a 2-core VM, that idle loop
     * takes 8.7% of a core, against 6.0% for the 1 ms reads with 2 ms sleeps between them it replaced (the
     * wake-ups cost, not the reads).
     */
    private static final long DRIVER_WAITED_NANOS = 500_000;
    private static final long MIN_IDLE_SLEEP_NANOS = 50_000;
    private static final long MAX_IDLE_SLEEP_NANOS = 2_000_000;
    private static final long PING_INTERVAL_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
    /** While target commits wait for their flush, the target's flushed position is read this often when idle. */
    private static final long WAL_POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(50);

    private final PgEndpoint source;
    private final PgEndpoint target;
    private final String slot;
    private final String publication;
    private final Lsn startIfNoRecord;
    private final Reconnector reconnector;
    private final AppliedProgress progress;
    private final CrashHook crash;

    // Shared with other threads.
    private volatile boolean stopRequested;
    private volatile boolean pingRequested;
    private volatile boolean durableRequested;
    private volatile boolean running;
    private volatile Throwable failure;
    private volatile ShippingSession session;
    private volatile long closedSessionsLookups;

    // Owned by the shipping thread.
    private final TransactionGroup group = new TransactionGroup();
    private final RelationBindings relations;
    private final ChangeDispatcher dispatcher;
    /** Which server the thread is talking to at the moment: named when its connection is lost. */
    private String side = ShippingSession.TARGET;
    private FlushedConfirmations confirmations = new FlushedConfirmations(Lsn.ZERO);
    private Lsn recordedEnd;
    private java.time.Instant recordedCommitTime;
    private long lastConfirm;
    private long lastWalPoll;
    private long idleSleep;

    ShippingLoop(PgEndpoint source, PgEndpoint target, String slot, String publication, Map<String, ShippedTable> tables,
            Lsn startIfNoRecord, ReconnectPolicy policy, Consumer<String> reconnectListener, AppliedProgress progress, CrashHook crash) {
        this.source = source;
        this.target = target;
        this.slot = slot;
        this.publication = publication;
        this.startIfNoRecord = startIfNoRecord;
        this.reconnector = new Reconnector(slot, policy, reconnectListener);
        this.progress = progress;
        this.crash = crash;
        this.relations = new RelationBindings(tables);
        this.dispatcher = new ChangeDispatcher(relations);
    }

    /**
     * Opens the first session, on the caller's thread, before {@link #run}.
     *
     * @return the position recorded on the target; empty when there was none
     */
    Optional<Lsn> openFirst(Duration slotBusyWait) throws SQLException {
        openSession(slotBusyWait);
        running = true;
        return session.recorded();
    }

    @Override
    public void run() {
        boolean crashed = false;
        try {
            while (true) {
                try {
                    ship();
                    break;
                } catch (CrashHook.SimulatedCrash e) {
                    crashed = true;
                    failure = new LogShippingException("log shipping from slot '" + slot + "' crashed (simulated): " + e.getMessage(), e);
                    break;
                } catch (Throwable e) {
                    if (stopRequested || !PgErrors.connectionLost(e)) {
                        ShippingSession s = session;
                        boolean open = group.inTransaction() || (s != null && s.applier().open());
                        String where = open ? " applying the source transactions after " + progress.applied() : "";
                        failure = new LogShippingException("log shipping from slot '" + slot + "' stopped" + where + ": " + e.getMessage(), e);
                        break;
                    }
                    Optional<LogShippingException> gaveUp = reconnector.reconnect(e, sessions());
                    if (gaveUp.isPresent()) {
                        failure = gaveUp.get();
                        break;
                    }
                    if (stopRequested) {
                        break;
                    }
                }
            }
        } finally {
            ShippingSession s = session;
            if (s != null) {
                if (crashed) {
                    s.abort();
                } else {
                    s.rollbackQuietly();
                }
            }
            closeSession();
            running = false;
        }
    }

    /** Asks the thread to commit the source transactions it received whole and end. */
    void requestStop() {
        stopRequested = true;
        reconnector.wake(); // a thread waiting to reconnect stops waiting
    }

    /** Has the idle thread ask the server for a keepalive soon: it moves the applied position over unrelated changes. */
    void requestPing() {
        pingRequested = true;
    }

    /** Has the idle thread make every applied commit durable now (a synchronous commit), not when the target flushes. */
    void requestDurable() {
        durableRequested = true;
    }

    /** Pulls the connections from under a thread stuck in a statement. Any thread. */
    void abortSession() {
        ShippingSession s = session;
        if (s != null) {
            s.abort();
        }
    }

    boolean running() {
        return running;
    }

    boolean stopRequested() {
        return stopRequested;
    }

    Throwable failure() {
        return failure;
    }

    long reconnects() {
        return reconnector.reconnects();
    }

    String lastReconnectReason() {
        return reconnector.lastReason();
    }

    long toastSourceLookups() {
        ShippingSession s = session;
        return closedSessionsLookups + (s == null ? 0 : s.applier().sourceLookups());
    }

    /** Reads and applies until stopped; then commits the source transactions received whole. */
    private void ship() throws SQLException {
        while (!stopRequested) {
            side = ShippingSession.SOURCE;
            long polled = System.nanoTime();
            ByteBuffer buffer = session.stream().readPending();
            if (buffer == null) {
                idle(System.nanoTime() - polled);
            } else {
                idleSleep = 0;
                handle(PgOutputDecoder.decode(buffer));
            }
        }
        if (!group.inTransaction() && session.applier().open()) {
            commitGroup();
        }
        if (confirmations.waiting() && !session.applier().open()) {
            // A stopped shipper leaves everything it committed durable and confirmed. Not while the target
            // transaction holds part of a source transaction: that is rolled back, never committed.
            makeDurable();
            confirm();
        }
    }

    /** @param waited how long the poll that found nothing took */
    private void idle(long waited) throws SQLException {
        ChangeApplier applier = session.applier();
        if (!group.inTransaction() && applier.open()) {
            commitGroup(); // nothing more is waiting: end the target transaction now
            return;
        }
        long now = System.nanoTime();
        if (!group.inTransaction()) {
            // Everything received is applied: the server has sent every transaction committed before the
            // position it last told us (a keepalive's WAL end, or the last commit's end).
            progress.reached(session.stream().lastReceived());
            if (confirmations.waiting() && durableRequested) {
                makeDurable();
                confirm();
            } else if (confirmations.waiting() && now - lastWalPoll >= WAL_POLL_NANOS) {
                side = ShippingSession.TARGET;
                ChangeApplier.TargetWal wal = applier.targetWal();
                lastWalPoll = now;
                confirmations.targetAt(wal.insert());
                confirmations.flushedTo(wal.flush());
                if (!confirmations.waiting()) {
                    confirm(); // the last commits became durable: the source may recycle the log before them
                }
            }
            durableRequested = false;
            progress.durableUpTo(confirmations.confirmable(progress.applied()));
            if (pingRequested && now - lastConfirm >= PING_INTERVAL_NANOS) {
                pingRequested = false;
                confirm(); // asks for a reply: the server answers with a keepalive carrying its position
                idleSleep = 0;
            }
        }
        if (now - lastConfirm >= IDLE_CONFIRM_NANOS) {
            // At least once a second, even inside a source transaction: the driver's non-blocking read takes the
            // end of the stream for "nothing yet", so only a write (failing once the server is gone: broken
            // pipe) tells a server that went away from an idle one. Confirms what is durably applied so far.
            confirm();
            idleSleep = 0;
        }
        if (waited >= DRIVER_WAITED_NANOS) {
            idleSleep = 0;
            return;
        }
        // Back off while the driver answers "nothing" without waiting: 0.05, 0.1, 0.2 ... 2 ms.
        idleSleep = Math.min(MAX_IDLE_SLEEP_NANOS, Math.max(MIN_IDLE_SLEEP_NANOS, idleSleep * 2));
        LockSupport.parkNanos(idleSleep);
    }

    private void handle(PgOutputMessage message) throws SQLException {
        side = ShippingSession.TARGET;
        if (message instanceof PgOutputMessage.Begin b) {
            group.begin(b.finalLsn());
        } else if (message instanceof PgOutputMessage.Commit c) {
            switch (group.commit(c.endLsn(), c.commitTime(), session.applier().open())) {
                case NOTHING_TO_WRITE -> {
                    progress.passed(c.endLsn(), c.commitTime());
                    progress.durableUpTo(confirmations.confirmable(progress.applied()));
                }
                case COMMIT -> commitGroup();
                case COMMIT_UNLESS_MORE -> {
                    if (!session.stream().maybeWaiting()) {
                        commitGroup(); // nothing more has arrived: a change waits for no later one
                    }
                }
                case SKIPPED, HOLD -> {
                    // nothing to do yet
                }
            }
        } else if (dispatcher.dispatch(message, group.skipping(), session.applier())) {
            group.changed();
            crash.atChange();
        }
    }

    private void commitGroup() throws SQLException {
        side = ShippingSession.TARGET;
        Lsn end = group.end();
        Lsn before = progress.applied();
        ChangeApplier.TargetWal wal = session.applier().commit(end, group.commitTime());
        // Read before this commit: it places the earlier commits, and may show some of them flushed.
        confirmations.targetAt(wal.insert());
        confirmations.flushedTo(wal.flush());
        confirmations.committed(end, before);
        recordedEnd = end;
        recordedCommitTime = group.commitTime();
        progress.committed(end, group.commitTime(), group.changes(), group.transactions());
        progress.durableUpTo(confirmations.confirmable(progress.applied()));
        group.committed();
        crash.afterTargetCommit(end);
        if (now() - lastConfirm >= PING_INTERVAL_NANOS) {
            confirm();
        }
    }

    /** A synchronous commit (rewriting the last record) flushes the target's log past every earlier commit. */
    private void makeDurable() throws SQLException {
        side = ShippingSession.TARGET;
        session.applier().commitDurably(recordedEnd, recordedCommitTime);
        confirmations.allFlushed();
        progress.durableUpTo(confirmations.confirmable(progress.applied()));
    }

    /**
     * Tells the server the position that is durably applied (it may recycle the log before it), never more:
     * see {@link FlushedConfirmations}.
     */
    private void confirm() throws SQLException {
        Lsn position = confirmations.confirmable(progress.applied());
        side = ShippingSession.SOURCE;
        session.stream().confirm(position);
        lastConfirm = System.nanoTime();
    }

    private static long now() {
        return System.nanoTime();
    }

    // ---------------------------------------------------------------- sessions

    private void openSession(Duration slotBusyWait) throws SQLException {
        ShippingSession s = ShippingSession.open(source, target, slot, publication, startIfNoRecord, slotBusyWait, x -> side = x);
        session = s;
        relations.clear(); // a new walsender sends every Relation again before its first change
        group.resumeAt(s.from());
        confirmations = new FlushedConfirmations(s.from());
        recordedEnd = null;
        lastConfirm = System.nanoTime();
        idleSleep = 0;
        progress.reached(s.from());
    }

    private Reconnector.Sessions sessions() {
        return new Reconnector.Sessions() {
            @Override
            public void open() throws SQLException {
                openSession(Duration.ZERO);
            }

            @Override
            public void close() {
                closeSession();
            }

            @Override
            public String side() {
                return side;
            }

            @Override
            public Lsn resumesAfter() {
                return session.from();
            }

            @Override
            public boolean stopRequested() {
                return stopRequested;
            }
        };
    }

    private void closeSession() {
        ShippingSession s = session;
        if (s != null) {
            s.close();
            closedSessionsLookups += s.applier().sourceLookups();
            session = null;
        }
    }
}
