package io.imago.bench;

import java.util.List;

/** Nearest-rank percentiles of a sample. */
record Percentiles(int count, double p50, double p95, double p99, double max) {
    static Percentiles of(List<Double> samples) {
        double[] s = samples.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        if (s.length == 0) {
            return new Percentiles(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
        }
        return new Percentiles(s.length, rank(s, 50), rank(s, 95), rank(s, 99), s[s.length - 1]);
    }

    private static double rank(double[] sorted, double p) {
        int i = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    @Override
    public String toString() {
        return String.format("p50 %.0f ms, p95 %.0f ms, p99 %.0f ms, max %.0f ms (%d samples)", p50, p95, p99, max, count);
    }

    static String ratio(double a, double b) {
        return b == 0 ? "n/a" : String.format("%.2fx", a / b);
    }
}
