package io.imago.providers.local;

import io.imago.providers.spi.DatabaseCredentials;
import io.imago.providers.spi.DatabaseRequest;
import io.imago.providers.spi.DatabaseService;
import io.imago.providers.spi.Resource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserPrincipal;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * One real PostgreSQL server per universe: its own data dir, a free loopback port, logical
 * decoding on, password authentication only. The owner role {@code imago} owns every table; the
 * application's role {@code app} gets DML through default privileges, which lets a write fence
 * revoke it at the database.
 */
final class LocalDatabases implements DatabaseService {
    static final String KIND = "database";
    static final String ADMIN = "imago";
    static final String APP = "app";
    static final String DBNAME = "app";
    private final Tags tags;
    private final Consumer<String> log;

    LocalDatabases(Tags tags, Consumer<String> log) {
        this.tags = tags;
        this.log = log;
    }

    @Override
    public Resource create(DatabaseRequest req) {
        String id = req.name();
        Optional<Map<String, String>> existing = tags.read(req.universe(), KIND, id);
        if (existing.isPresent() && Files.exists(Path.of(existing.get().get("dataDir"), "PG_VERSION"))) {
            Resource r = new Resource(KIND, id, existing.get());
            ensureRunning(r);
            bootstrap(current(r));
            return current(r);
        }
        PostgresBinaries bins = PostgresBinaries.locate(req.version() == null ? "16" : req.version(), log);
        Path home = serverHome(req.universe(), bins.runAs());
        Path data = home.resolve("data");
        Map<String, String> attrs = new TreeMap<>();
        attrs.put("universe", req.universe());
        attrs.put("home", home.toString());
        attrs.put("dataDir", data.toString());
        attrs.put("binDir", bins.binDir().toString());
        attrs.put("version", bins.major());
        attrs.put("runAs", bins.runAs() == null ? "" : bins.runAs());
        attrs.put("host", "127.0.0.1");
        attrs.put("port", Integer.toString(Processes.freePort()));
        attrs.put("database", DBNAME);
        // Tag first: a kill between initdb and start must leave something destroy can find.
        tags.write(req.universe(), KIND, id, attrs);
        Secrets secrets = Secrets.of(tags, req.universe());
        LocalIngresses.deleteTree(data);
        initdb(bins, home, data, secrets.get(ADMIN));
        Resource r = new Resource(KIND, id, attrs);
        start(r);
        bootstrap(current(r));
        return current(r);
    }

    private Path serverHome(String universe, String runAs) {
        Path preferred = tags.root().resolve(universe).resolve("postgres");
        if (runAs == null || accessibleTo(runAs, tags.root())) {
            Tags.mkdirs(preferred);
            chown(preferred, runAs);
            return preferred;
        }
        // The state dir lies where the server's user cannot reach (say under /root): keep the
        // server's files in a folder of its own, named after the state dir, and tag where.
        Path base = Path.of("/var/lib/imago", shortHash(tags.root().toString()), universe);
        try {
            Files.createDirectories(base);
            for (Path p = base; p != null && p.startsWith("/var/lib/imago"); p = p.getParent()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwx--x--x"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path home = base.resolve("postgres");
        Tags.mkdirs(home);
        chown(home, runAs);
        return home;
    }

    private static boolean accessibleTo(String user, Path dir) {
        try {
            Process p = new ProcessBuilder("runuser", "-u", user, "--", "test", "-x", dir.toString()).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private void initdb(PostgresBinaries bins, Path home, Path data, String adminPassword) {
        Path pwfile = home.resolve("pwfile");
        try {
            Files.writeString(pwfile, adminPassword + "\n");
            Files.setPosixFilePermissions(pwfile, PosixFilePermissions.fromString("rw-------"));
            chown(pwfile, bins.runAs());
            run(bins.command("initdb", "-D", data.toString(), "-U", ADMIN, "--pwfile=" + pwfile, "-A", "scram-sha-256",
                    "-E", "UTF8", "--locale=C", "--no-sync"), home, Duration.ofMinutes(2), "initdb");
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
            Files.writeString(data.resolve("pg_hba.conf"),
                    "# written by imago: password authentication over loopback TCP only\n"
                            + "host all all 127.0.0.1/32 scram-sha-256\n"
                            + "host replication all 127.0.0.1/32 scram-sha-256\n");
            chown(data.resolve("pg_hba.conf"), bins.runAs());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void writeServerConf(Resource r) {
        Path data = Path.of(r.attr("dataDir"));
        String fsync = System.getenv().getOrDefault("IMAGO_LOCAL_PG_FSYNC", "on");
        String conf = "# written by imago at every start\n"
                + "listen_addresses = '127.0.0.1'\n"
                + "port = " + r.attr("port") + "\n"
                + "unix_socket_directories = ''\n"
                + "wal_level = logical\n"
                + "max_replication_slots = 16\n"
                + "max_wal_senders = 16\n"
                + "max_connections = 100\n"
                + "shared_buffers = 64MB\n"
                + "fsync = " + fsync + "\n";
        try {
            Files.writeString(data.resolve("imago.conf"), conf);
            chown(data.resolve("imago.conf"), runAs(r));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void start(Resource r) {
        writeServerConf(r);
        PostgresBinaries bins = bins(r);
        Path home = Path.of(r.attr("home"));
        run(bins.command("pg_ctl", "-D", r.attr("dataDir"), "-l", home.resolve("server.log").toString(), "-w", "-t", "60", "-s", "start"),
                home, Duration.ofSeconds(90), "starting PostgreSQL (see " + home.resolve("server.log") + ")");
        // The postmaster's pid, for status: the first line of postmaster.pid.
        try {
            String pid = Files.readAllLines(Path.of(r.attr("dataDir"), "postmaster.pid")).get(0).trim();
            Map<String, String> attrs = new TreeMap<>(current(r).attrs());
            attrs.put("pid", pid);
            tags.write(r.attr("universe"), KIND, r.id(), attrs);
        } catch (IOException | RuntimeException ignored) {
            // status shows no pid; nothing else depends on it
        }
    }

    private boolean running(Resource r) {
        if (!Files.exists(Path.of(r.attr("dataDir"), "PG_VERSION"))) {
            return false;
        }
        return exitCode(bins(r).command("pg_ctl", "-D", r.attr("dataDir"), "status"), Path.of(r.attr("home"))) == 0;
    }

    @Override
    public void ensureRunning(Resource r) {
        Resource cur = current(r);
        if (running(cur)) {
            return;
        }
        if (!Processes.portFree(Integer.parseInt(cur.attr("port")))) {
            Map<String, String> attrs = new TreeMap<>(cur.attrs());
            attrs.put("port", Integer.toString(Processes.freePort()));
            tags.write(cur.attr("universe"), KIND, cur.id(), attrs);
            cur = new Resource(KIND, cur.id(), attrs);
        }
        start(cur);
    }

    /** Creates the application's role and database; every statement is safe to repeat. */
    private void bootstrap(Resource r) {
        Secrets secrets = Secrets.of(tags, r.attr("universe"));
        DatabaseCredentials admin = new DatabaseCredentials(r.attr("host"), Integer.parseInt(r.attr("port")), "postgres", ADMIN, secrets.get(ADMIN));
        try (Connection c = DriverManager.getConnection(admin.jdbcUrl(), ADMIN, admin.password()); Statement s = c.createStatement()) {
            s.execute("DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '" + APP + "') THEN "
                    + "CREATE ROLE " + APP + " LOGIN PASSWORD '" + secrets.get(APP) + "'; END IF; END $$");
            var rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + DBNAME + "'");
            if (!rs.next()) {
                s.execute("CREATE DATABASE " + DBNAME + " OWNER " + ADMIN);
            }
        } catch (SQLException e) {
            throw new LocalProviderException("cannot prepare the database of " + r.attr("universe") + ": " + e.getMessage());
        }
        try (Connection c = DriverManager.getConnection("jdbc:postgresql://" + r.attr("host") + ":" + r.attr("port") + "/" + DBNAME, ADMIN, secrets.get(ADMIN));
                Statement s = c.createStatement()) {
            s.execute("REVOKE CREATE ON SCHEMA public FROM PUBLIC");
            s.execute("GRANT USAGE ON SCHEMA public TO " + APP);
            s.execute("ALTER DEFAULT PRIVILEGES FOR ROLE " + ADMIN + " IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE, TRUNCATE, REFERENCES ON TABLES TO " + APP);
            s.execute("ALTER DEFAULT PRIVILEGES FOR ROLE " + ADMIN + " IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO " + APP);
        } catch (SQLException e) {
            throw new LocalProviderException("cannot prepare the database of " + r.attr("universe") + ": " + e.getMessage());
        }
    }

    @Override
    public DatabaseCredentials credentials(Resource database, boolean admin) {
        Resource r = current(database);
        Secrets secrets = Secrets.of(tags, r.attr("universe"));
        String user = admin ? ADMIN : APP;
        return new DatabaseCredentials(r.attr("host"), Integer.parseInt(r.attr("port")), DBNAME, user, secrets.get(user));
    }

    @Override
    public void destroy(Resource database) {
        Resource r = current(database);
        if (running(r)) {
            exitCode(bins(r).command("pg_ctl", "-D", r.attr("dataDir"), "-m", "fast", "-w", "-t", "30", "stop"), Path.of(r.attr("home")));
        }
        killLeftover(r);
        LocalIngresses.deleteTree(Path.of(r.attr("home")));
        Path home = Path.of(r.attr("home"));
        if (home.startsWith("/var/lib/imago")) {
            LocalIngresses.deleteTree(home.getParent());
            home.getParent().getParent().toFile().delete(); // the state dir's folder, once it is empty
        }
        Secrets.delete(tags, r.attr("universe"));
        tags.delete(r.attr("universe"), KIND, r.id());
    }

    /** A server whose pg_ctl stop failed still has its pid in postmaster.pid: end it. */
    private static void killLeftover(Resource r) {
        Path pidFile = Path.of(r.attr("dataDir"), "postmaster.pid");
        if (!Files.exists(pidFile)) {
            return;
        }
        try {
            String pid = Files.readAllLines(pidFile).get(0).trim();
            ProcessHandle.of(Long.parseLong(pid)).ifPresent(h -> Processes.stop(h, Duration.ofSeconds(10)));
        } catch (IOException | RuntimeException ignored) {
            // the file is gone or garbled: nothing left to stop
        }
    }

    @Override
    public List<Resource> list(String universe) {
        return tags.list(universe, KIND).stream().map(e -> new Resource(KIND, e.getKey(), e.getValue())).toList();
    }

    @Override
    public boolean alive(Resource database) {
        return running(current(database));
    }

    /** The tag is the truth: a restart may have moved the server to another port. */
    private Resource current(Resource r) {
        return tags.read(r.attr("universe"), KIND, r.id()).map(a -> new Resource(KIND, r.id(), a)).orElse(r);
    }

    private static PostgresBinaries bins(Resource r) {
        return new PostgresBinaries(Path.of(r.attr("binDir")), r.attr("version"), runAs(r));
    }

    private static String runAs(Resource r) {
        String u = r.attr("runAs");
        return u == null || u.isEmpty() ? null : u;
    }

    private static void chown(Path p, String user) {
        if (user == null) {
            return;
        }
        try {
            UserPrincipal owner = p.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName(user);
            Files.setOwner(p, owner);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void run(List<String> cmd, Path dir, Duration timeout, String what) {
        ProcessResult res = exec(cmd, dir, timeout);
        if (res.code != 0) {
            throw new LocalProviderException(what + " failed: " + res.output.strip());
        }
    }

    private static int exitCode(List<String> cmd, Path dir) {
        return exec(cmd, dir, Duration.ofSeconds(60)).code;
    }

    private record ProcessResult(int code, String output) {}

    private static ProcessResult exec(List<String> cmd, Path dir, Duration timeout) {
        try {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            // pg_ctl's server inherits no pipe of ours (-l sends its output to a file), so reading to EOF ends.
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return new ProcessResult(-1, "timed out");
            }
            return new ProcessResult(p.exitValue(), new String(out));
        } catch (IOException e) {
            return new ProcessResult(-1, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new ProcessResult(-1, "interrupted");
        }
    }

    private static String shortHash(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes())).substring(0, 12);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
