package io.imago.migration;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;

/**
 * When to try again after a lost connection, and when to give up: exponential backoff with jitter inside a
 * total budget per outage.
 *
 * <p>Attempt {@code n} (1, 2, ...) of an outage waits {@code min(maxDelay, firstDelay * 2^(n-1))} scaled by a
 * random factor in [0.5, 1] ("equal jitter": shippers of several slots that lost the same server do not knock
 * all at once, and no wait is shorter than half its step), and never past the end of the budget. Once the
 * budget, counted from the moment the connection was lost, is spent, {@link #nextDelay()} says so and the
 * caller gives up with the last error.
 *
 * <p>An outage ends only when the reopened connections have stayed up for {@code stableAfter}: a server that
 * accepts connections and drops them again at once (crash loop) spends the same budget instead of starting a
 * fresh one each time. Zero budget: never reconnect. Not thread-safe: one shipping thread uses it.
 */
final class ReconnectPolicy {
    static final Duration FIRST_DELAY = Duration.ofMillis(100);
    static final Duration MAX_DELAY = Duration.ofSeconds(5);
    static final Duration STABLE_AFTER = Duration.ofSeconds(10);

    private final Duration budget;
    private final long firstNanos;
    private final long maxNanos;
    private final long stableNanos;
    private final LongSupplier clock;
    private final DoubleSupplier random;

    private boolean inOutage;
    private long outageStart;
    private int attempts;
    private long reconnectedAt;
    private boolean everReconnected;

    /** The standard steps: 100 ms doubling up to 5 s, an outage over after 10 s back up. */
    ReconnectPolicy(Duration budget) {
        this(budget, FIRST_DELAY, MAX_DELAY, STABLE_AFTER, System::nanoTime, () -> ThreadLocalRandom.current().nextDouble());
    }

    /**
     * @param clock nanoseconds, as {@link System#nanoTime()}
     * @param random uniform in [0, 1)
     */
    ReconnectPolicy(Duration budget, Duration firstDelay, Duration maxDelay, Duration stableAfter, LongSupplier clock, DoubleSupplier random) {
        this.budget = requireNotNegative(budget, "budget");
        this.firstNanos = requireNotNegative(firstDelay, "firstDelay").toNanos();
        this.maxNanos = Math.max(firstNanos, requireNotNegative(maxDelay, "maxDelay").toNanos());
        this.stableNanos = requireNotNegative(stableAfter, "stableAfter").toNanos();
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
    }

    /** A connection was lost: begins an outage, or goes on with the current one if the last reconnect did not last. */
    void lost() {
        long now = clock.getAsLong();
        if (inOutage && everReconnected && now - reconnectedAt < stableNanos) {
            return; // back up too briefly: the same outage, the same budget
        }
        if (!inOutage || everReconnected) {
            inOutage = true;
            outageStart = now;
            attempts = 0;
            everReconnected = false;
        }
    }

    /**
     * How long to wait before the next attempt, counting it; empty when the budget is spent (or zero): give up.
     */
    Optional<Duration> nextDelay() {
        if (!inOutage) {
            lost();
        }
        long remaining = budget.toNanos() - (clock.getAsLong() - outageStart);
        if (remaining <= 0) {
            return Optional.empty();
        }
        attempts++;
        long step = step(attempts);
        double r = random.getAsDouble();
        if (r < 0 || r >= 1) {
            throw new IllegalStateException("random factor outside [0, 1): " + r);
        }
        long delay = step / 2 + (long) ((step - step / 2) * r);
        return Optional.of(Duration.ofNanos(Math.min(delay, remaining)));
    }

    /** The attempt just made worked. The outage is over once the connections stay up for {@code stableAfter}. */
    void reconnected() {
        reconnectedAt = clock.getAsLong();
        everReconnected = true;
    }

    /** Attempts counted in the current (or last) outage. */
    int attempts() {
        return attempts;
    }

    /** Time since the current outage began. */
    Duration elapsed() {
        return inOutage ? Duration.ofNanos(clock.getAsLong() - outageStart) : Duration.ZERO;
    }

    Duration budget() {
        return budget;
    }

    /** The un-jittered wait before attempt {@code n}: the first delay doubled n-1 times, at most the maximum. */
    long step(int n) {
        long step = firstNanos;
        for (int i = 1; i < n && step < maxNanos; i++) {
            step *= 2;
        }
        return Math.min(step, maxNanos);
    }

    private static Duration requireNotNegative(Duration d, String what) {
        Objects.requireNonNull(d, what);
        if (d.isNegative()) {
            throw new IllegalArgumentException(what + " must not be negative: " + d);
        }
        return d;
    }
}
