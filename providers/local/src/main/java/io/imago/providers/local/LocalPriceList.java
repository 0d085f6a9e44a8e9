package io.imago.providers.local;

import io.imago.providers.spi.PriceList;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The local provider's prices: everything runs on this machine, so everything is free, really (processes, their disk,
 * data moved between local universes). Each line says what it shares of the machine: local instances and databases
 * are processes with no limit of their own.
 */
final class LocalPriceList implements PriceList {
    private final Path workDir;

    /** @param workDir where the provider keeps its databases' data (it may not exist yet) */
    LocalPriceList(Path workDir) {
        this.workDir = workDir;
    }

    @Override
    public BigDecimal hourlyUsd(String kind, String size) {
        return switch (kind) {
            case "instance", "database", "ingress" -> BigDecimal.ZERO; // processes on this machine: free, whatever the size
            default -> null;
        };
    }

    @Override
    public BigDecimal storageUsdPerGbMonth(String kind) {
        return BigDecimal.ZERO; // this machine's own disk
    }

    @Override
    public Integer instanceDiskGb(String size) {
        return 0; // an instance is a process in the blueprint's folder: no disk of its own
    }

    @Override
    public BigDecimal transferUsdPerGb(boolean outbound, String otherProvider, String otherRegion) {
        return BigDecimal.ZERO; // this machine's network: whatever the other end charges, this end charges nothing
    }

    @Override
    public String snapshots() {
        return "none: the local provider takes no snapshots";
    }

    @Override
    public String describe(String kind, String size) {
        String machine = cores() + " cores and " + memory() + " of memory";
        return switch (kind) {
            case "instance" -> "a process on this machine, not limited: it shares its " + machine + "; size " + (size == null ? "small" : size)
                    + " changes nothing locally";
            case "database" -> "a PostgreSQL server on this machine, not limited: it shares its " + machine + "; its data under "
                    + workDir + " (" + free() + ")";
            case "ingress" -> "a reverse proxy inside imago's own process on this machine";
            default -> null;
        };
    }

    private static int cores() {
        return Runtime.getRuntime().availableProcessors();
    }

    private static String memory() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return String.format(Locale.ROOT, "%.1f GiB", os.getTotalMemorySize() / (double) (1L << 30));
        }
        return "all";
    }

    /** The free space of the disk the data goes to (its nearest existing folder's). */
    private String free() {
        Path p = workDir.toAbsolutePath();
        while (p != null && !Files.exists(p)) {
            p = p.getParent();
        }
        try {
            long bytes = Files.getFileStore(p == null ? Path.of(".") : p).getUsableSpace();
            return String.format(Locale.ROOT, "%.1f GB free on that disk", bytes / 1e9);
        } catch (IOException e) {
            return "free space unknown";
        }
    }

    @Override
    public String source() {
        return "local provider: runs on this machine, no charge";
    }
}
