package io.imago.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * How much of this machine's CPU its host took for others over a stretch (the kernel's "steal" time): on a shared
 * virtual machine it is what makes the same work take a different time from one run to the next, so a timing test
 * reports it beside what it measured.
 */
final class HostSteal {
    private static final int STEAL = 7; // after user, nice, system, idle, iowait, irq, softirq

    private HostSteal() {}

    /** The CPU counters of {@code /proc/stat} now; empty where there are none (not Linux). */
    static long[] read() {
        try {
            String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
            return Arrays.stream(f, 1, Math.min(f.length, 9)).mapToLong(Long::parseLong).toArray();
        } catch (IOException | RuntimeException e) {
            return new long[0];
        }
    }

    /** "the host took 12 % of the CPU (steal)" since {@code before}, from {@link #read()}. */
    static String since(long[] before) {
        long[] now = read();
        if (before.length <= STEAL || now.length <= STEAL) {
            return "steal not known here";
        }
        long total = 0;
        for (int i = 0; i <= STEAL; i++) {
            total += now[i] - before[i];
        }
        double share = total == 0 ? 0 : 100.0 * (now[STEAL] - before[STEAL]) / total;
        return String.format(Locale.ROOT, "the host took %.0f %% of the CPU (steal)", share);
    }
}
