package io.imago.bench;

/**
 * One contender's measured load.
 *
 * @param streamingSeconds for Imago, the part spent streaming rows (first table started to last table
 *     done), 0 when not measured
 */
record Timing(String contender, double seconds, long rows, double streamingSeconds) {
    Timing(String contender, double seconds, long rows) {
        this(contender, seconds, rows, 0);
    }

    Timing withPhase(double streaming) {
        return new Timing(contender, seconds, rows, streaming);
    }

    double rowsPerSecond() {
        return rows / seconds;
    }

    /** How many times faster than {@code other} (throughput ratio; above 1 means faster). */
    double speedVs(Timing other) {
        return rowsPerSecond() / other.rowsPerSecond();
    }
}
