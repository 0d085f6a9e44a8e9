package io.imago.providers.local.ingress;

import io.imago.providers.spi.shadow.AnswerDiff;
import io.imago.providers.spi.shadow.Difference;
import io.imago.providers.spi.shadow.IgnorePaths;
import io.imago.providers.spi.shadow.ShadowResults;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One shadow comparison, in the ingress process. The users' path only decides whether to copy a request and
 * {@link #offer}s the copy to a bounded queue: a full queue drops the copy and counts it, nothing waits. Workers send
 * each copy, at the same moment, to an old instance (the primary) and to a new one (the candidate), and compare the
 * answers; while a route's noise is being learned, and for one copy in five after that, also to another old instance
 * (the secondary, for the {@link io.imago.providers.spi.shadow.NoiseModel}). A
 * mismatch is asked again once, after {@code retryAfter}: it is forgiven only when the second answers agree and the
 * data behind it was changing (a write through the ingress to the same collection, or the old universe's own answer
 * changed), so a flaky defect is not. The comparison stops by itself at its deadline.
 */
final class ShadowMirror {
    static final Duration MAX_DURATION = Duration.ofHours(1);
    static final int MAX_PENDING_RETRIES = 128;
    static final int LEARNING_PAIRS = 50;
    static final int PAIR_EVERY = 5;
    /** How long after its deadline a comparison nobody stopped frees its threads (its results stay readable). */
    static final Duration RELEASE_AFTER = Duration.ofMinutes(2);

    /** @param queue how many copies may wait; beyond it they are dropped */
    record Settings(List<String> candidates, double sample, Duration duration, IgnorePaths ignore, Duration retryAfter, Duration warmUp,
            int queue, int workers) {
        static final int QUEUE = 1024;
        static final int WORKERS = 4;
    }

    private final Settings settings;
    private final Supplier<List<String>> oldBackends;
    private final ShadowTransport transport;
    private final Consumer<String> log;
    private final long generation;
    private final ArrayBlockingQueue<ShadowTransport.Copy> queue;
    private final ShadowTally tally = new ShadowTally();
    private final ShadowRoutes routes = new ShadowRoutes();
    private final ScheduledExecutorService timer;
    private final Semaphore retryPermits = new Semaphore(MAX_PENDING_RETRIES);
    private final List<Thread> workers = new ArrayList<>();
    private final AtomicInteger busy = new AtomicInteger();
    private final AtomicInteger next = new AtomicInteger();
    private final AtomicLong safeSeen = new AtomicLong();
    private final AtomicLong unsafeSeen = new AtomicLong();
    private final AtomicLong sampled = new AtomicLong();
    private final AtomicLong dropped = new AtomicLong();
    private final AtomicLong oldFailed = new AtomicLong();
    private final AtomicLong retried = new AtomicLong();
    private final AtomicLong settled = new AtomicLong();
    private final long startedAtMs = System.currentTimeMillis();
    private final long deadlineNanos;
    private final long timedFromNanos;
    private volatile boolean stopped;
    private volatile long endedAtMs;

    /**
     * @param oldBackends where the ingress points now (the old universe's instances)
     * @param generation the backend set's generation at the start: a switch ends the comparison
     */
    ShadowMirror(Settings settings, Supplier<List<String>> oldBackends, long generation, ShadowTransport transport, Consumer<String> log) {
        Duration d = settings.duration().compareTo(MAX_DURATION) > 0 ? MAX_DURATION : settings.duration();
        this.settings = settings;
        this.oldBackends = oldBackends;
        this.generation = generation;
        this.transport = transport;
        this.log = log;
        this.queue = new ArrayBlockingQueue<>(Math.max(1, settings.queue()));
        this.deadlineNanos = System.nanoTime() + d.toNanos();
        this.timedFromNanos = System.nanoTime() + settings.warmUp().toNanos();
        this.timer = Executors.newScheduledThreadPool(2, daemon("shadow-retry"));
        timer.schedule(() -> stop("its duration (" + d.toMillis() + " ms) is over"), d.toNanos(), TimeUnit.NANOSECONDS);
        // Nobody may come for the results (imago was killed): the threads and connections go a while after the deadline anyway.
        timer.schedule(this::release, d.plus(RELEASE_AFTER).toNanos(), TimeUnit.NANOSECONDS);
        for (int i = 0; i < settings.workers(); i++) {
            Thread t = daemon("shadow-worker").newThread(this::work);
            workers.add(t);
            t.start();
        }
    }

    long generation() {
        return generation;
    }

    /** Copies are still taken: not stopped, deadline not reached. */
    boolean active() {
        return !stopped && System.nanoTime() - deadlineNanos < 0;
    }

    /** A write went through (never copied): remembered so a mismatch on its data can be told from a defect. */
    void sawWrite(String uri) {
        unsafeSeen.incrementAndGet();
        routes.wrote(uri, System.nanoTime());
    }

    /** A safe request went through: whether to copy it (the sample). */
    boolean pick() {
        safeSeen.incrementAndGet();
        return ThreadLocalRandom.current().nextDouble() < settings.sample();
    }

    /** Never blocks: a full queue drops the copy and counts it. */
    boolean offer(ShadowTransport.Copy copy) {
        sampled.incrementAndGet();
        if (stopped || !queue.offer(copy)) {
            dropped.incrementAndGet();
            return false;
        }
        return true;
    }

    /** Stops taking copies; those already taken are still compared. */
    void stop(String why) {
        if (stopped) {
            return;
        }
        stopped = true;
        endedAtMs = System.currentTimeMillis();
        log.accept("shadow comparison stopped: " + why);
    }

    /** Stops and waits, at most {@code max}, for the copies already taken to be compared; then frees the threads. */
    ShadowResults finish(Duration max) throws InterruptedException {
        stop("asked to stop");
        long deadline = System.nanoTime() + max.toNanos();
        while ((!queue.isEmpty() || busy.get() > 0 || retryPermits.availablePermits() < MAX_PENDING_RETRIES)
                && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        ShadowResults r = results();
        release();
        return r;
    }

    private void release() {
        stop("released");
        timer.shutdownNow();
        workers.forEach(Thread::interrupt);
        transport.close();
    }

    ShadowResults results() {
        boolean running = !stopped || !queue.isEmpty() || busy.get() > 0;
        return tally.results(running, startedAtMs, stopped ? endedAtMs : 0, settings.sample(), new ShadowTally.Counters(safeSeen.get(),
                unsafeSeen.get(), sampled.get(), dropped.get(), oldFailed.get(), retried.get(), settled.get()));
    }

    private void work() {
        while (true) {
            ShadowTransport.Copy c;
            try {
                c = queue.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (c == null) {
                if (stopped) {
                    return;
                }
                continue;
            }
            busy.incrementAndGet();
            try {
                compare(c);
            } catch (RuntimeException | Error e) {
                log.accept("shadow comparison of " + c.method() + " " + c.uri() + " failed: " + e);
            } finally {
                busy.decrementAndGet();
            }
        }
    }

    private void compare(ShadowTransport.Copy c) {
        List<String> old = oldBackends.get();
        if (old.isEmpty() || settings.candidates().isEmpty()) {
            oldFailed.incrementAndGet();
            return;
        }
        int i = next.getAndIncrement() & Integer.MAX_VALUE;
        String primary = old.get(i % old.size());
        String secondary = old.get((i + 1) % old.size());
        String candidate = settings.candidates().get(i % settings.candidates().size());
        String route = ShadowRoutes.route(c.method(), c.uri());
        CompletableFuture<ShadowTransport.Timed> fp = transport.send(primary, c);
        CompletableFuture<ShadowTransport.Timed> fs = pairWanted(route) ? transport.send(secondary, c) : null;
        CompletableFuture<ShadowTransport.Timed> fn = transport.send(candidate, c);
        ShadowTransport.Timed p = fp.join();
        ShadowTransport.Timed s = fs == null ? null : fs.join();
        ShadowTransport.Timed n = fn.join();
        if (!p.answer().answered()) {
            oldFailed.incrementAndGet();
            return;
        }
        Set<String> pairNoise = new HashSet<>();
        if (s != null && s.answer().answered()) {
            List<Difference> noise = AnswerDiff.diff(p.answer(), s.answer());
            tally.noise.oldPair(route, noise);
            noise.forEach(d -> pairNoise.add(IgnorePaths.normalize(d.path())));
        }
        List<Difference> diffs = relevant(AnswerDiff.diff(p.answer(), n.answer()), pairNoise);
        if (c.atNanos() - timedFromNanos >= 0) {
            tally.latency(p.nanos(), n.nanos());
        }
        boolean newServerError = n.answer().serverError() && !p.answer().serverError();
        boolean mismatch = diffs.stream().anyMatch(d -> !tally.noise.noisy(route, IgnorePaths.normalize(d.path())));
        if (mismatch && !newServerError && retryPermits.tryAcquire()) {
            retried.incrementAndGet();
            try {
                timer.schedule(() -> {
                    try {
                        retry(c, route, primary, candidate, p, n, diffs);
                    } catch (RuntimeException | Error e) {
                        log.accept("shadow retry of " + c.method() + " " + c.uri() + " failed: " + e);
                    } finally {
                        retryPermits.release();
                    }
                }, settings.retryAfter().toNanos(), TimeUnit.NANOSECONDS);
                return;
            } catch (java.util.concurrent.RejectedExecutionException e) {
                retryPermits.release(); // finishing: counted as first seen
            }
        }
        tally.compared(route, c.method(), c.uri(), p.answer(), n.answer(), diffs, newServerError);
    }

    /** Asks old and new again once the new universe has had time to catch up. */
    private void retry(ShadowTransport.Copy c, String route, String primary, String candidate, ShadowTransport.Timed p,
            ShadowTransport.Timed n, List<Difference> first) {
        CompletableFuture<ShadowTransport.Timed> fp = transport.send(primary, c);
        CompletableFuture<ShadowTransport.Timed> fn = transport.send(candidate, c);
        ShadowTransport.Timed p2 = fp.join();
        ShadowTransport.Timed n2 = fn.join();
        List<Difference> again = counted(route, relevant(AnswerDiff.diff(p2.answer(), n2.answer()), Set.of()));
        long window = Math.max(settings.retryAfter().toNanos(), Duration.ofSeconds(1).toNanos());
        boolean changing = routes.writtenSince(c.uri(), c.atNanos() - window)
                || !counted(route, relevant(AnswerDiff.diff(p.answer(), p2.answer()), Set.of())).isEmpty();
        if (p2.answer().answered() && again.isEmpty() && changing) {
            settled.incrementAndGet();
            tally.compared(route, c.method(), c.uri(), p2.answer(), n2.answer(), List.of(), false);
        } else {
            tally.compared(route, c.method(), c.uri(), p.answer(), n.answer(), first, false);
        }
    }

    /**
     * Whether this copy also goes to a second old instance: every copy until the route has {@link #LEARNING_PAIRS} old
     * pairs, then one in {@link #PAIR_EVERY}. Each pair costs the old universe one more request, and by then the fields
     * that differ by themselves are known; the noise model weighs pairs and comparisons as shares.
     */
    private boolean pairWanted(String route) {
        return tally.noise.pairs(route) < LEARNING_PAIRS || ThreadLocalRandom.current().nextInt(PAIR_EVERY) == 0;
    }

    /** Differences beyond the ignored paths and this request's own old-vs-old noise. */
    private List<Difference> relevant(List<Difference> all, Set<String> pairNoise) {
        return all.stream().filter(d -> !settings.ignore().ignores(d.path()) && !pairNoise.contains(IgnorePaths.normalize(d.path())))
                .toList();
    }

    /** Differences on fields not (yet) learned as noise. */
    private List<Difference> counted(String route, List<Difference> diffs) {
        return diffs.stream().filter(d -> !tally.noise.noisy(route, IgnorePaths.normalize(d.path()))).toList();
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
