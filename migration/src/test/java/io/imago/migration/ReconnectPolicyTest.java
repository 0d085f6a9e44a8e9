package io.imago.migration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The backoff without servers: a fake clock, chosen random factors. */
class ReconnectPolicyTest {
    private long now = 1_000_000_000L;
    private double r = 0.999_999;

    private ReconnectPolicy policy(Duration budget) {
        return new ReconnectPolicy(budget, Duration.ofMillis(100), Duration.ofSeconds(5), Duration.ofSeconds(10), () -> now, () -> r);
    }

    private long nextMillis(ReconnectPolicy p) {
        Duration d = p.nextDelay().orElseThrow();
        now += d.toNanos();
        return d.toMillis();
    }

    @Test
    void stepsDoubleFrom100MillisUpTo5Seconds() {
        ReconnectPolicy p = policy(Duration.ofMinutes(10));
        p.lost();
        List<Long> delays = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            delays.add(nextMillis(p)); // r just below 1: the full step
        }
        assertEquals(List.of(99L, 199L, 399L, 799L, 1599L, 3199L, 4999L, 4999L, 4999L, 4999L), delays);
        assertEquals(10, p.attempts());
    }

    @Test
    void jitterStaysWithinHalfToAllOfTheStep() {
        ReconnectPolicy p = policy(Duration.ofHours(1));
        p.lost();
        Random random = new Random(42);
        for (int n = 1; n <= 40; n++) {
            r = random.nextDouble();
            long step = p.step(n);
            long d = p.nextDelay().orElseThrow().toNanos();
            assertTrue(d >= step / 2 && d <= step, "attempt " + n + ": " + d + " outside [" + step / 2 + ", " + step + "]");
        }
        r = 0;
        assertEquals(Duration.ofMillis(2500), p.nextDelay().orElseThrow(), "the smallest wait is half the step");
        assertThrows(IllegalStateException.class, () -> {
            r = 1.0;
            p.nextDelay();
        });
    }

    @Test
    void givesUpOnceTheBudgetIsSpentAndNeverWaitsPastIt() {
        ReconnectPolicy p = policy(Duration.ofSeconds(2));
        p.lost();
        long waited = 0;
        Optional<Duration> d;
        int attempts = 0;
        while ((d = p.nextDelay()).isPresent()) {
            waited += d.get().toMillis();
            now += d.get().toNanos() + 30_000_000L; // each failed attempt takes 30 ms
            attempts++;
        }
        assertTrue(waited <= 2000, "waited " + waited);
        assertEquals(5, attempts); // 99 + 199 + 399 + 799 + what is left of 2 s after them and the attempts
        assertTrue(p.nextDelay().isEmpty(), "stays spent");
    }

    @Test
    void zeroBudgetNeverReconnects() {
        ReconnectPolicy p = policy(Duration.ZERO);
        p.lost();
        assertTrue(p.nextDelay().isEmpty());
        assertEquals(0, p.attempts());
    }

    @Test
    void anOutageEndsOnlyWhenTheConnectionStaysUp() {
        ReconnectPolicy p = policy(Duration.ofSeconds(30));
        p.lost();
        nextMillis(p);
        nextMillis(p);
        p.reconnected();
        now += Duration.ofSeconds(3).toNanos(); // up only briefly: the same outage, the same budget
        p.lost();
        assertEquals(399, nextMillis(p));
        assertEquals(3, p.attempts());
        assertTrue(p.elapsed().compareTo(Duration.ofSeconds(3)) > 0);
        p.reconnected();
        now += Duration.ofSeconds(11).toNanos(); // stayed up: a new outage, a fresh budget and steps
        p.lost();
        assertEquals(Duration.ZERO, p.elapsed());
        assertEquals(99, nextMillis(p));
        assertEquals(1, p.attempts());
    }

    @Test
    void rejectsNegativeDurations() {
        assertThrows(IllegalArgumentException.class, () -> new ReconnectPolicy(Duration.ofSeconds(-1)));
    }
}
