package io.imago.providers.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * A PostgreSQL data folder and its life before the server first runs. initdb writes PG_VERSION
 * early and takes seconds, so a folder is only trusted once the tag says {@value #INITIALIZED}, a
 * flag written after initdb and imago's config edits have all finished. Anything less is thrown
 * away and made again, after ending whatever a killed run left working on it.
 */
final class PgDataDir {
    static final String INITIALIZED = "initialized";
    /** What imago wrote before the servers spoke TLS; only recognised, in {@link #complete}. */
    private static final String LEGACY_HBA = "# written by imago: password authentication over loopback TCP only\n"
            + "host all all 127.0.0.1/32 scram-sha-256\n"
            + "host replication all 127.0.0.1/32 scram-sha-256\n";
    /** TLS or nothing: a client that would send its login in the clear is turned away before it does. */
    static final String HBA = "# written by imago: password authentication over loopback TCP with TLS only\n"
            + "hostssl all all 127.0.0.1/32 scram-sha-256\n"
            + "hostssl replication all 127.0.0.1/32 scram-sha-256\n";

    private PgDataDir() {}

    /** True when the tagged folder went through initdb and the config edits to the end. */
    static boolean complete(Map<String, String> attrs) {
        Path data = Path.of(attrs.get("dataDir"));
        if (!Files.exists(data.resolve("PG_VERSION"))) {
            return false;
        }
        String flag = attrs.get(INITIALIZED);
        if (flag != null) {
            return "true".equals(flag);
        }
        // Tagged before the flag existed: imago's pg_hba.conf was the last thing written, after initdb succeeded.
        try {
            return Files.readString(data.resolve("pg_hba.conf")).equals(LEGACY_HBA)
                    && Files.readString(data.resolve("postgresql.conf")).contains("include 'imago.conf'");
        } catch (IOException e) {
            return false;
        }
    }

    /** initdb with the stored admin password, then imago's config edits. The caller flags completion. */
    static void initialise(PostgresBinaries bins, Path home, Path data, String adminPassword) {
        Path pwfile = home.resolve("pwfile");
        try {
            Files.writeString(pwfile, adminPassword + "\n");
            Files.setPosixFilePermissions(pwfile, PosixFilePermissions.fromString("rw-------"));
            PgCommands.chown(pwfile, bins.runAs());
            PgCommands.run(bins.command("initdb", "-D", data.toString(), "-U", LocalDatabases.ADMIN, "--pwfile=" + pwfile,
                    "-A", "scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"), home, Duration.ofMinutes(2), "initdb");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                Files.deleteIfExists(pwfile);
            } catch (IOException ignored) {
                // best effort: it only ever lived in a folder readable by its owner
            }
        }
        try {
            Path conf = data.resolve("postgresql.conf");
            Files.writeString(conf, Files.readString(conf) + "\ninclude 'imago.conf'\n");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        writeHba(data, bins.runAs());
    }

    /** At initdb and at every start, so that a server made before TLS turns to TLS-only too. */
    static void writeHba(Path data, String runAs) {
        try {
            Files.writeString(data.resolve("pg_hba.conf"), HBA);
            PgCommands.chown(data.resolve("pg_hba.conf"), runAs);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Recognises a process working on this folder: initdb, pg_ctl and the postmaster name it on
     * their command line (-D), and the backends initdb runs get it as PGDATA. A path this specific
     * only ever belongs to this state dir's server.
     */
    static Predicate<ProcTable.Proc> worksOn(Path data) {
        String d = data.toString();
        return p -> p.hasArg(d) || p.hasArg("-D" + d) || p.hasArg("--pgdata=" + d) || d.equals(p.environ().get("PGDATA"));
    }

    /** Ends every process still working on the folder, e.g. the initdb of a run that was killed. */
    static void stopLeftovers(Path data) {
        Processes.stopAll(ProcTable.roots(ProcTable.matching(worksOn(data))), Duration.ofSeconds(10));
    }

    /** The postmaster named by postmaster.pid, if that pid still works on this folder. */
    static Optional<ProcessHandle> postmaster(Path data) {
        Path pidFile = data.resolve("postmaster.pid");
        try {
            String pid = Files.readAllLines(pidFile).get(0).trim();
            return Processes.find(pid, null, worksOn(data));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // no file, or garbled: no server
        }
    }

    /**
     * Removes a postmaster.pid nobody holds any more (after a reboot its pid may be a live
     * stranger's, and the server would refuse to start, taking it for another postmaster).
     */
    static void clearStaleLock(Path data) {
        if (postmaster(data).isEmpty() && ProcTable.matching(worksOn(data)).isEmpty()) {
            try {
                Files.deleteIfExists(data.resolve("postmaster.pid"));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
