package io.imago.bench;

import io.imago.migration.PgEndpoint;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * The CPU time the processes applying a backlog spend on it, read from {@code /proc} (Linux): the source's walsender,
 * the process that writes to the target (Imago's target backend; native's apply worker) and, for Imago, this JVM,
 * where the shipper decodes. Per change, it says whether an applier is short of CPU or waits, and whose work a faster
 * pipeline could overlap: on two cores, a contender whose target side alone costs as much per change as the other's
 * whole apply cannot be much faster than it.
 */
final class ApplierCpu {
    /** Linux's USER_HZ: the unit of utime and stime in /proc/PID/stat. */
    private static final double TICKS_PER_SECOND = 100;

    private final List<Long> walsenders;
    private final List<Long> appliers;
    private final boolean thisJvm;
    private final long[] start;

    private ApplierCpu(List<Long> walsenders, List<Long> appliers, boolean thisJvm) {
        this.walsenders = walsenders;
        this.appliers = appliers;
        this.thisJvm = thisJvm;
        this.start = ticks();
    }

    /** Starts counting for Imago's shipper: its connections are named {@code imago-migration}. */
    static ApplierCpu imago(PgEndpoint source, PgEndpoint target) throws SQLException {
        return new ApplierCpu(pids(source, "SELECT pid FROM pg_stat_replication WHERE application_name = 'imago-migration'"),
                pids(target, "SELECT pid FROM pg_stat_activity WHERE application_name = 'imago-migration' AND datname = current_database() "
                        + "AND pid <> pg_backend_pid()"), true);
    }

    /** Starts counting for native logical replication's subscription {@code sub}. */
    static ApplierCpu nativeReplication(PgEndpoint source, PgEndpoint target, String sub) throws SQLException {
        return new ApplierCpu(pids(source, "SELECT pid FROM pg_stat_replication WHERE application_name = '" + sub + "'"),
                pids(target, "SELECT pid FROM pg_stat_subscription WHERE subname = '" + sub + "' AND relid IS NULL AND pid IS NOT NULL"), false);
    }

    /** CPU microseconds per change since the start, each process kind apart. */
    record PerChange(double walsender, double applier, double jvm) {
        @Override
        public String toString() {
            return String.format("walsender %.1f µs, target side %.1f µs", walsender, applier) + (Double.isNaN(jvm) ? ""
                    : String.format(", shipper JVM %.1f µs", jvm));
        }
    }

    PerChange stop(long changes) {
        long[] end = ticks();
        double us = 1e6 / TICKS_PER_SECOND / changes;
        return new PerChange((end[0] - start[0]) * us, (end[1] - start[1]) * us, thisJvm ? (end[2] - start[2]) * us : Double.NaN);
    }

    private long[] ticks() {
        long w = 0;
        for (long pid : walsenders) {
            w += ticks(pid);
        }
        long a = 0;
        for (long pid : appliers) {
            a += ticks(pid);
        }
        return new long[] {w, a, thisJvm ? ticks(ProcessHandle.current().pid()) : 0};
    }

    /** utime + stime of a process (0 once it is gone). */
    private static long ticks(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" "); // f[0] is field 3, the state
            return Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException | RuntimeException gone) {
            return 0;
        }
    }

    private static List<Long> pids(PgEndpoint e, String sql) throws SQLException {
        List<Long> out = new ArrayList<>();
        try (Connection c = e.connect(); PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getLong(1));
            }
        }
        if (out.isEmpty()) {
            throw new IllegalStateException("no process found for: " + sql);
        }
        return out;
    }
}
