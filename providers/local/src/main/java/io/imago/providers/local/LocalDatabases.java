package io.imago.providers.local;

import io.imago.providers.spi.ChildEnvironment;
import io.imago.providers.spi.DatabaseCredentials;
import io.imago.providers.spi.DatabaseRequest;
import io.imago.providers.spi.DatabaseService;
import io.imago.providers.spi.Resource;
import io.imago.providers.spi.SideTask;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
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
    /** Reads production as a source: SELECT and REPLICATION, no superuser, no write. */
    static final String READER = "imago_reader";
    static final String DBNAME = "app";
    private final Tags tags;
    private final Consumer<String> log;
    private final Map<String, String> settings;
    static final String MAX_SLOT_WAL_KEEP_SIZE = "maxSlotWalKeepSize";
    static final String DEFAULT_MAX_SLOT_WAL_KEEP_SIZE = "10GB";

    LocalDatabases(Tags tags, Consumer<String> log, Map<String, String> settings) {
        this.tags = tags;
        this.log = log;
        this.settings = settings;
    }

    @Override
    public Resource create(DatabaseRequest req) {
        String id = req.name();
        Optional<Map<String, String>> existing = tags.read(req.universe(), KIND, id);
        Secrets secrets = Secrets.of(tags, req.universe());
        if (existing.isPresent() && PgDataDir.complete(existing.get())) {
            for (String role : List.of(ADMIN, APP)) {
                if (!secrets.has(role)) {
                    // A new password would not open this folder, and making a new folder would lose its data.
                    throw new LocalProviderException("the database of " + req.universe() + " exists in " + existing.get().get("dataDir")
                            + " but the password of its role '" + role + "' is missing from the secret store " + secrets.file()
                            + ": restore that file (from a backup) or destroy the universe");
                }
            }
            // A tag from before the flag existed says so from now on.
            Resource r = new Resource(KIND, id, markInitialized(id, existing.get()));
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
        // Chosen free here and bound by the server a moment later: PostgreSQL cannot bind port 0 and
        // report what it got, so another local user could take the port first. Harmless for the
        // secrets: every client checks the server's certificate (ServerCertificate) before it logs in.
        attrs.put("port", existing.map(a -> a.get("port")).orElseGet(() -> Integer.toString(FreePorts.pick())));
        attrs.put("database", DBNAME);
        attrs.put(MAX_SLOT_WAL_KEEP_SIZE, maxSlotWalKeepSize(existing.map(a -> a.get(MAX_SLOT_WAL_KEEP_SIZE)).orElse(null)));
        attrs.put(PgDataDir.INITIALIZED, "false");
        // Tag first: a kill between initdb and start must leave something destroy can find, and
        // the flag says the folder is not to be trusted until it turns true.
        tags.write(req.universe(), KIND, id, attrs);
        // The passwords are stored (durably) before initdb sees one, so a folder never holds one the
        // store lacks; both now, so that nothing later ever has to make one up for an existing database.
        String adminPassword = secrets.generate(ADMIN);
        secrets.generate(APP);
        secrets.generate(READER);
        // An incomplete folder may still have the killed run's initdb (or a server) working in it.
        existing.map(a -> Path.of(a.get("dataDir"))).filter(d -> !d.equals(data)).ifPresent(PgDataDir::stopLeftovers);
        existing.map(a -> Path.of(a.get("home"))).filter(h -> !h.equals(home)).ifPresent(LocalIngresses::deleteTree);
        PgDataDir.stopLeftovers(data);
        LocalIngresses.deleteTree(data);
        // The certificate is made beside initdb: each is a process that takes most of a second.
        SideTask<ServerCertificate.Pair> tls = SideTask.start("server-certificate", () -> ServerCertificate.make(home));
        PgDataDir.initialise(bins, home, data, adminPassword);
        ServerCertificate.install(tls.join(), home, data, bins.runAs());
        Resource r = new Resource(KIND, id, markInitialized(id, attrs));
        start(r);
        bootstrap(current(r));
        return current(r);
    }

    /** Written last, after initdb and the config edits: from here on the folder is worth keeping. */
    private Map<String, String> markInitialized(String id, Map<String, String> attrs) {
        if ("true".equals(attrs.get(PgDataDir.INITIALIZED))) {
            return attrs;
        }
        Map<String, String> next = new TreeMap<>(attrs);
        next.put(PgDataDir.INITIALIZED, "true");
        tags.write(next.get("universe"), KIND, id, next);
        return next;
    }

    private Path serverHome(String universe, String runAs) {
        Path preferred = tags.root().resolve(universe).resolve("postgres");
        if (runAs == null || accessibleTo(runAs, tags.root())) {
            Tags.mkdirs(preferred);
            PgCommands.chown(preferred, runAs);
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
        PgCommands.chown(home, runAs);
        return home;
    }

    private static boolean accessibleTo(String user, Path dir) {
        try {
            Process p = ChildEnvironment.clean(new ProcessBuilder("runuser", "-u", user, "--", "test", "-x", dir.toString()))
                    .redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * The blueprint's {@code provider: { type: local, maxSlotWalKeepSize: 10GB }} (PostgreSQL's units, or -1 for no
     * limit), else what the database was created with, else the default. Checked here: it ends up in a config file.
     */
    private String maxSlotWalKeepSize(String recorded) {
        String v = settings.get("maxSlotWalKeepSize");
        if (v == null) {
            return recorded != null ? recorded : DEFAULT_MAX_SLOT_WAL_KEEP_SIZE;
        }
        if (!v.matches("-1|[1-9][0-9]{0,9}(kB|MB|GB|TB)?")) {
            throw new LocalProviderException("provider.maxSlotWalKeepSize '" + v + "' is not a size PostgreSQL takes (e.g. 512MB, 10GB, or -1 for no limit)");
        }
        return v;
    }

    private static int major(Resource r) {
        try {
            return Integer.parseInt(r.attrs().getOrDefault("version", "0").split("\\.")[0]);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private void writeServerConf(Resource r) {
        Path data = Path.of(r.attr("dataDir"));
        ServerCertificate.ensure(Path.of(r.attr("home")), data, runAs(r));
        PgDataDir.writeHba(data, runAs(r));
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
                + "fsync = " + fsync + "\n"
                + "ssl = on\n"
                + "ssl_cert_file = '" + ServerCertificate.CERT + "'\n"
                + "ssl_key_file = '" + ServerCertificate.KEY + "'\n"

                // A slot nobody reads (a killed apply's, a forgotten rollback window's) keeps WAL until the disk
                // fills; past this much the server invalidates the slot instead: the upgrade fails, production lives.
                // (The setting exists from PostgreSQL 13 on.)
                + (major(r) >= 13 ? "max_slot_wal_keep_size = " + r.attrs().getOrDefault(MAX_SLOT_WAL_KEEP_SIZE, DEFAULT_MAX_SLOT_WAL_KEEP_SIZE) + "\n" : "");
        try {
            Files.writeString(data.resolve("imago.conf"), conf);
            PgCommands.chown(data.resolve("imago.conf"), runAs(r));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void start(Resource r) {
        writeServerConf(r);
        PostgresBinaries bins = bins(r);
        Path home = Path.of(r.attr("home"));
        Path data = Path.of(r.attr("dataDir"));
        PgDataDir.clearStaleLock(data);
        Path serverLog = home.resolve("server.log");
        PgCommands.Result res = PgCommands.exec(bins.command("pg_ctl", "-D", data.toString(), "-l", serverLog.toString(), "-w", "-t", "60", "-s", "start"),
                home, Duration.ofSeconds(90));
        if (res.code() != 0) {
            throw new LocalProviderException("the PostgreSQL server of " + r.attr("universe") + " (data folder " + data
                    + ") does not start: " + res.output().strip() + "\nthe end of " + serverLog + ":\n" + PgCommands.tail(serverLog, 15));
        }
        // The postmaster's pid, for status: the first line of postmaster.pid.
        PgDataDir.postmaster(data).ifPresent(h -> {
            Map<String, String> attrs = new TreeMap<>(current(r).attrs());
            attrs.put("pid", Long.toString(h.pid()));
            tags.write(r.attr("universe"), KIND, r.id(), attrs);
        });
    }

    /** Only a postmaster.pid whose pid still works on this folder counts: after a reboot it may be anybody's. */
    private boolean running(Resource r) {
        return PgDataDir.postmaster(Path.of(r.attr("dataDir"))).isPresent();
    }

    @Override
    public void ensureRunning(Resource r) {
        Resource cur = current(r);
        if (running(cur)) {
            return;
        }
        // A pg_ctl or postmaster a killed run left half-started would hold the folder's lock against ours.
        PgDataDir.stopLeftovers(Path.of(cur.attr("dataDir")));
        if (!FreePorts.bindable(Integer.parseInt(cur.attr("port")))) {
            Map<String, String> attrs = new TreeMap<>(cur.attrs());
            attrs.put("port", Integer.toString(FreePorts.pick()));
            tags.write(cur.attr("universe"), KIND, cur.id(), attrs);
            cur = new Resource(KIND, cur.id(), attrs);
        }
        start(cur);
    }

    private void bootstrap(Resource r) {
        PgBootstrap.run(r.attr("universe"), r.attr("host"), r.attr("port"), rootCert(r), Secrets.of(tags, r.attr("universe")));
    }

    @Override
    public DatabaseCredentials credentials(Resource database, boolean admin) {
        Resource r = current(database);
        Secrets secrets = Secrets.of(tags, r.attr("universe"));
        String user = admin ? ADMIN : APP;
        return new DatabaseCredentials(r.attr("host"), Integer.parseInt(r.attr("port")), DBNAME, user, secrets.get(user), rootCert(r));
    }

    /** The read-only role {@link PgBootstrap} creates; a database created before it existed has only its owner to read with. */
    @Override
    public DatabaseCredentials readerCredentials(Resource database) {
        Resource r = current(database);
        var pw = Secrets.of(tags, r.attr("universe")).find(READER);
        if (pw.isEmpty()) {
            return credentials(database, true);
        }
        return new DatabaseCredentials(r.attr("host"), Integer.parseInt(r.attr("port")), DBNAME, READER, pw.get(), rootCert(r));
    }

    /** The certificate the server presents, for clients to check; written at every start. */
    private static String rootCert(Resource r) {
        return Path.of(r.attr("home")).resolve(ServerCertificate.ROOT).toString();
    }

    @Override
    public void destroy(Resource database) {
        Resource r = current(database);
        if (tags.read(r.attr("universe"), KIND, r.id()).isPresent()) {
            // Distrusted first: a destroy killed half-way through deleting leaves a folder create must redo.
            Map<String, String> attrs = new TreeMap<>(r.attrs());
            attrs.put(PgDataDir.INITIALIZED, "false");
            tags.write(r.attr("universe"), KIND, r.id(), attrs);
        }
        // pg_ctl stop signals the pid in postmaster.pid: only once that pid is known to be this server.
        if (running(r)) {
            PgCommands.exec(bins(r).command("pg_ctl", "-D", r.attr("dataDir"), "-m", "fast", "-w", "-t", "30", "stop"), Path.of(r.attr("home")),
                    Duration.ofSeconds(60));
        }
        // What a failed stop or a killed run left: a server, or an initdb still working in the folder.
        PgDataDir.stopLeftovers(Path.of(r.attr("dataDir")));
        LocalIngresses.deleteTree(Path.of(r.attr("home")));
        Path home = Path.of(r.attr("home"));
        if (home.startsWith("/var/lib/imago")) {
            LocalIngresses.deleteTree(home.getParent());
            home.getParent().getParent().toFile().delete(); // the state dir's folder, once it is empty
        }
        Secrets.delete(tags, r.attr("universe"));
        tags.delete(r.attr("universe"), KIND, r.id());
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

    private static String shortHash(String s) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes())).substring(0, 12);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
