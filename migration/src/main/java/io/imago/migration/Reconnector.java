package io.imago.migration;

import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * Reopens a lost shipping session: closes what is left, waits as the {@link ReconnectPolicy} says, tries
 * again, and gives up once the policy's budget is spent. Tells a listener about every attempt. Used by the
 * shipping thread; {@link #wake()} (stop requested) from any thread.
 */
final class Reconnector {
    /** The session being reopened, as the shipping thread sees it. */
    interface Sessions {
        /** Opens the connections, as a start would (slot busy: a single attempt). */
        void open() throws SQLException;

        /** Closes whatever is open; bounded. */
        void close();

        /** The server the last call talked to: "source" or "target". */
        String side();

        /** Where the reopened stream resumes. */
        Lsn resumesAfter();

        boolean stopRequested();
    }

    private final String slot;
    private final ReconnectPolicy policy;
    private final Consumer<String> listener;
    private final AtomicLong reconnects = new AtomicLong();
    private final Object pauseLock = new Object();
    private volatile String lastReason;

    Reconnector(String slot, ReconnectPolicy policy, Consumer<String> listener) {
        this.slot = slot;
        this.policy = policy;
        this.listener = listener;
    }

    /**
     * The connection to {@code sessions.side()} is lost: closes both, waits, and reopens both.
     *
     * @return empty when shipping can go on, or when stop was requested (check it); else why shipping must end
     */
    Optional<LogShippingException> reconnect(Throwable lost, Sessions sessions) {
        policy.lost();
        String lastSide = sessions.side();
        sessions.close(); // the open target transaction dies with its connection: the slot sends it again
        Throwable last = lost;
        while (!sessions.stopRequested()) {
            Optional<Duration> delay = policy.nextDelay();
            if (delay.isEmpty()) {
                LogShippingException f = new LogShippingException("log shipping from slot '" + slot + "' stopped: lost the connection to the "
                        + lastSide + " and could not reconnect within " + policy.budget().toMillis() + " ms (" + policy.attempts() + " attempts): "
                        + last.getMessage(), last);
                if (last != lost) {
                    f.addSuppressed(lost);
                }
                return Optional.of(f);
            }
            report("reconnecting to the " + lastSide + " (attempt " + policy.attempts() + "): " + PgErrors.rootMessage(last));
            if (!pause(delay.get(), sessions)) {
                return Optional.empty();
            }
            try {
                sessions.open(); // a slot still held by the old walsender: the next attempt, after the next delay
                if (sessions.stopRequested()) {
                    return Optional.empty();
                }
                reconnects.incrementAndGet();
                policy.reconnected();
                report("reconnected after " + policy.attempts() + (policy.attempts() == 1 ? " attempt" : " attempts") + " ("
                        + policy.elapsed().toMillis() + " ms); resuming after " + sessions.resumesAfter());
                return Optional.empty();
            } catch (SQLException | RuntimeException e) {
                sessions.close();
                if (!PgErrors.connectionLost(e) && !PgErrors.objectInUse(e)) {
                    e.addSuppressed(lost);
                    return Optional.of(new LogShippingException("log shipping from slot '" + slot + "' stopped reconnecting to the "
                            + sessions.side() + ": " + e.getMessage(), e));
                }
                last = e;
                lastSide = sessions.side();
            }
        }
        return Optional.empty();
    }

    /** A waiting reconnect looks at stopRequested() again at once. Any thread. */
    void wake() {
        synchronized (pauseLock) {
            pauseLock.notifyAll();
        }
    }

    long reconnects() {
        return reconnects.get();
    }

    String lastReason() {
        return lastReason;
    }

    /** Waits, unless stop is requested meanwhile. @return false when stopped */
    private boolean pause(Duration d, Sessions sessions) {
        long deadline = System.nanoTime() + d.toNanos();
        synchronized (pauseLock) {
            while (!sessions.stopRequested()) {
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
        lastReason = message;
        Consumer<String> l = listener;
        if (l != null) {
            try {
                l.accept(message);
            } catch (RuntimeException ignored) {
                // a listener's trouble is not the shipper's
            }
        }
    }
}
