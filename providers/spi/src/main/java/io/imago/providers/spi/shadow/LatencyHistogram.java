package io.imago.providers.spi.shadow;

import java.util.Arrays;

/**
 * Latencies in buckets 5 % wide, from 20 µs to about a minute (the last bucket takes everything above): fine enough
 * for a p99 ratio against a limit such as 1.5, small enough (about 300 counts) to send whole.
 */
public record LatencyHistogram(long[] counts) {
    public static final double GROWTH = 1.05;
    public static final double FIRST_MICROS = 20;
    public static final int BUCKETS = 306;

    public LatencyHistogram {
        counts = counts == null ? new long[BUCKETS] : Arrays.copyOf(counts, BUCKETS);
    }

    public static LatencyHistogram empty() {
        return new LatencyHistogram(new long[BUCKETS]);
    }

    /** The bucket a latency falls in. */
    public static int bucket(long nanos) {
        double micros = nanos / 1000.0;
        if (micros <= FIRST_MICROS) {
            return 0;
        }
        int b = (int) Math.ceil(Math.log(micros / FIRST_MICROS) / Math.log(GROWTH));
        return Math.min(BUCKETS - 1, Math.max(0, b));
    }

    /** The upper bound of a bucket, in milliseconds. */
    public static double upperMillis(int bucket) {
        return FIRST_MICROS * Math.pow(GROWTH, bucket) / 1000.0;
    }

    public long total() {
        long n = 0;
        for (long c : counts) {
            n += c;
        }
        return n;
    }

    /** The latency below which a fraction {@code q} of the samples fall, in ms, interpolated inside its bucket; NaN when empty. */
    public double percentileMillis(double q) {
        long n = total();
        if (n == 0) {
            return Double.NaN;
        }
        double rank = q * n;
        long seen = 0;
        for (int b = 0; b < BUCKETS; b++) {
            if (counts[b] == 0) {
                continue;
            }
            if (seen + counts[b] >= rank) {
                double lo = b == 0 ? 0 : upperMillis(b - 1);
                double hi = upperMillis(b);
                double within = (rank - seen) / counts[b];
                return lo + (hi - lo) * Math.max(0, Math.min(1, within));
            }
            seen += counts[b];
        }
        return upperMillis(BUCKETS - 1);
    }

    public LatencyHistogram plus(LatencyHistogram other) {
        long[] sum = Arrays.copyOf(counts, BUCKETS);
        for (int i = 0; i < BUCKETS; i++) {
            sum[i] += other.counts[i];
        }
        return new LatencyHistogram(sum);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LatencyHistogram h && Arrays.equals(counts, h.counts);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(counts);
    }

    @Override
    public String toString() {
        return "LatencyHistogram[n=" + total() + ", p50=" + percentileMillis(0.5) + " ms]";
    }
}
