package io.imago.providers.local.ingress;

import io.undertow.server.HttpHandler;
import io.undertow.server.HttpServerExchange;
import io.undertow.util.Headers;
import io.undertow.util.SameThreadExecutor;
import io.undertow.util.StatusCodes;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Holds new public requests while paused, so that a switch makes them wait instead of fail.
 * Held requests block no thread: each is parked (Undertow's dispatch-and-park idiom, as in its
 * {@code RequestLimit}) and let through on {@link #resume()} to whatever set is current then. A
 * pause lifts itself at its deadline, so a caller that dies mid-switch cannot hold traffic forever.
 *
 * <p>Requests already let through are counted until their exchange completes: a switch waits for
 * them ({@link #awaitInFlight}) before it fences the old database, so they finish on their backend
 * instead of running into the fence.
 */
final class RequestGate implements HttpHandler {
    /** Beyond this many parked requests, new ones are refused with 503 rather than held. */
    static final int MAX_HELD = 10_000;
    static final Duration MAX_PAUSE = Duration.ofMinutes(10);
    private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();

    private final HttpHandler next;
    private final Consumer<String> log;
    private final ScheduledExecutorService timer;
    private final Object lock = new Object();
    private final ArrayDeque<HttpServerExchange> held = new ArrayDeque<>();
    private volatile boolean paused;
    private long pausedAtNanos;
    private long pauseSeq;
    private ScheduledFuture<?> expiry;
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Notified when no request let through is running any more. */
    private final Object idle = new Object();

    /** Where a hold's deadline can be moved without an admin call (see {@link HoldExtension}). */
    interface Extensions {
        Extensions NONE = new Extensions() {
            @Override
            public OptionalLong untilEpochMillis(String token) {
                return OptionalLong.empty();
            }

            @Override
            public void clear() {
            }
        };

        /** The deadline the hold named {@code token} was extended to, if it was. */
        OptionalLong untilEpochMillis(String token);

        /** The holds are over: forget any extension. */
        void clear();
    }

    private final Extensions extensions;
    /** Names the current hold, for its extensions; a new one for each hold begun while not paused. */
    private String token;

    RequestGate(HttpHandler next, Consumer<String> log) {
        this(next, log, Extensions.NONE);
    }

    RequestGate(HttpHandler next, Consumer<String> log, Extensions extensions) {
        this.next = next;
        this.log = log;
        this.extensions = extensions;
        this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "ingress-pause-timer");
            t.setDaemon(true);
            return t;
        });
    }

    @Override
    public void handleRequest(HttpServerExchange exchange) throws Exception {
        // Counted before the check: a pause that sees no request in flight can be sure none slips past it.
        inFlight.incrementAndGet();
        if (!paused) {
            exchange.addExchangeCompleteListener((ex, nextListener) -> {
                completed();
                nextListener.proceed();
            });
            next.handleRequest(exchange);
            return;
        }
        completed();
        // Parks the exchange once this call returns; the state is checked again under the lock.
        exchange.dispatch(SameThreadExecutor.INSTANCE, () -> park(exchange));
    }

    private void park(HttpServerExchange exchange) {
        boolean refuse;
        synchronized (lock) {
            if (paused && held.size() < MAX_HELD) {
                held.add(exchange);
                return;
            }
            refuse = paused;
        }
        if (refuse) {
            exchange.setStatusCode(StatusCodes.SERVICE_UNAVAILABLE);
            exchange.getResponseHeaders().put(Headers.CONTENT_TYPE, "text/plain; charset=utf-8");
            exchange.getResponseHeaders().put(Headers.RETRY_AFTER, "1");
            exchange.getResponseSender().send("too many requests held during a switch\n");
        } else {
            letThrough(exchange);
        }
    }

    /**
     * Holds new requests from now on for at most {@code timeout}; a second call extends it.
     *
     * @return the hold's token, the same for every call until it ends: what an {@link Extensions extension} names
     */
    String pause(Duration timeout) {
        Duration t = timeout.isNegative() ? Duration.ZERO : timeout.compareTo(MAX_PAUSE) > 0 ? MAX_PAUSE : timeout;
        synchronized (lock) {
            if (!paused) {
                pausedAtNanos = System.nanoTime();
                token = Long.toHexString(RANDOM.nextLong());
            }
            paused = true;
            schedule(t.toNanos());
            return token;
        }
    }

    private void schedule(long nanos) {
        if (expiry != null) {
            expiry.cancel(false);
        }
        long seq = ++pauseSeq;
        expiry = timer.schedule(() -> expire(seq), nanos, TimeUnit.NANOSECONDS);
    }

    /** A hold reached its deadline: it ends, unless it was extended meanwhile (never past {@link #MAX_PAUSE} in all). */
    private void expire(long seq) {
        synchronized (lock) {
            if (!paused || seq != pauseSeq) {
                return;
            }
            OptionalLong until = extensions.untilEpochMillis(token);
            long left = until.isPresent() ? TimeUnit.MILLISECONDS.toNanos(until.getAsLong() - System.currentTimeMillis()) : 0;
            long cap = MAX_PAUSE.toNanos() - (System.nanoTime() - pausedAtNanos);
            if (Math.min(left, cap) > 0) {
                schedule(Math.min(left, cap));
                log.accept("hold extended by " + TimeUnit.NANOSECONDS.toMillis(Math.min(left, cap)) + "ms");
                return;
            }
        }
        releaseAll(seq);
    }

    /** Lets every held request through; returns how many were held. */
    int resume() {
        return releaseAll(-1);
    }

    /**
     * Waits, at most {@code max}, until no request let through before the pause is still running.
     *
     * @return how many still are
     */
    int awaitInFlight(Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        synchronized (idle) {
            long left;
            while (inFlight.get() > 0 && (left = deadline - System.nanoTime()) > 0) {
                TimeUnit.NANOSECONDS.timedWait(idle, left);
            }
        }
        return Math.max(0, inFlight.get());
    }

    /** A request let through has completed: the last one wakes a switch waiting for them (at once, not at its next poll). */
    private void completed() {
        if (inFlight.decrementAndGet() <= 0) {
            synchronized (idle) {
                idle.notifyAll();
            }
        }
    }

    int inFlight() {
        return Math.max(0, inFlight.get());
    }

    boolean paused() {
        return paused;
    }

    int heldCount() {
        synchronized (lock) {
            return held.size();
        }
    }

    /** Releases held requests and stops the timer. */
    void close() {
        releaseAll(-1);
        timer.shutdownNow();
    }

    /** @param expiredSeq the pause whose deadline passed, or -1 for an explicit resume */
    private int releaseAll(long expiredSeq) {
        boolean expired = expiredSeq >= 0;
        List<HttpServerExchange> out;
        long heldMs;
        synchronized (lock) {
            if (!paused || (expired && expiredSeq != pauseSeq)) {
                return 0; // not paused, or a later pause call moved the deadline
            }
            paused = false;
            if (expiry != null && !expired) {
                expiry.cancel(false);
            }
            expiry = null;
            extensions.clear();
            heldMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - pausedAtNanos);
            out = new ArrayList<>(held);
            held.clear();
        }
        if (expired) {
            log.accept("pause expired after " + heldMs + "ms without resume; letting " + out.size() + " held requests through");
        } else {
            log.accept("resumed after " + heldMs + "ms; letting " + out.size() + " held requests through");
        }
        out.forEach(this::letThrough);
        return out.size();
    }

    private void letThrough(HttpServerExchange exchange) {
        inFlight.incrementAndGet();
        exchange.addExchangeCompleteListener((ex, nextListener) -> {
            completed();
            nextListener.proceed();
        });
        exchange.dispatch(exchange.getIoThread(), next);
    }
}
