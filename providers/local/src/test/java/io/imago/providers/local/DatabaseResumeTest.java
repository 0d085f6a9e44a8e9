package io.imago.providers.local;

import static org.junit.jupiter.api.Assertions.*;

import io.imago.providers.spi.DatabaseCredentials;
import io.imago.providers.spi.DatabaseRequest;
import io.imago.providers.spi.Provider;
import io.imago.providers.spi.ProviderContext;
import io.imago.providers.spi.Resource;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The database after imago was killed at awkward instants, against a real PostgreSQL: each state
 * is made from a real server's folder the way a kill would have left it.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DatabaseResumeTest {
    @TempDir Path dir;
    private Process stranger;
    private Process leftover;
    private Path dataDir;

    private Provider provider() {
        return new LocalProviderFactory().create(new ProviderContext(dir.resolve("local"), Map.of(), m -> {}));
    }

    private Tags tags() {
        return new Tags(dir.resolve("local"));
    }

    private static DatabaseRequest request(String universe) {
        return new DatabaseRequest(universe, "15", "small", null, 1);
    }

    /** Whatever a failing test left behind. */
    @AfterEach
    void cleanUp() {
        for (Process p : new Process[] {stranger, leftover}) {
            if (p != null) {
                Processes.stop(p.toHandle(), Duration.ofSeconds(5));
            }
        }
        if (dataDir != null) {
            PgDataDir.stopLeftovers(dataDir);
        }
    }

    private Map<String, String> tag(String universe) {
        return tags().read(universe, LocalDatabases.KIND, universe + "-db").orElseThrow();
    }

    private void retag(String universe, Map<String, String> changes) {
        Map<String, String> a = new TreeMap<>(tag(universe));
        changes.forEach((k, v) -> {
            if (v == null) {
                a.remove(k);
            } else {
                a.put(k, v);
            }
        });
        tags().write(universe, LocalDatabases.KIND, universe + "-db", a);
    }

    private static PostgresBinaries bins(Map<String, String> a) {
        return new PostgresBinaries(Path.of(a.get("binDir")), a.get("version"), a.get("runAs").isEmpty() ? null : a.get("runAs"));
    }

    private static void stopServer(Map<String, String> a) {
        PgCommands.run(bins(a).command("pg_ctl", "-D", a.get("dataDir"), "-m", "fast", "-w", "-t", "30", "stop"), Path.of(a.get("home")),
                Duration.ofSeconds(60), "pg_ctl stop");
    }

    private static void wipe(Path data) {
        LocalIngresses.deleteTree(data);
        assertFalse(Files.exists(data));
    }

    private static int select1(DatabaseCredentials c) throws SQLException {
        try (Connection conn = DriverManager.getConnection(c.jdbcUrl(), c.user(), c.password()); Statement s = conn.createStatement()) {
            ResultSet rs = s.executeQuery("SELECT 1");
            rs.next();
            return rs.getInt(1);
        }
    }

    private List<ProcTable.Proc> workingOn(Path data) {
        return ProcTable.roots(ProcTable.matching(PgDataDir.worksOn(data)));
    }

    @Test
    void aFolderWithOnlyPgVersionUnderAnOldTagIsRedoneAndTakesTheStoredPassword() throws Exception {
        Provider p = provider();
        Resource db = p.database().create(request("d1"));
        try {
            Map<String, String> a = tag("d1");
            dataDir = Path.of(a.get("dataDir"));
            String version = Files.readString(dataDir.resolve("PG_VERSION"));
            stopServer(a);
            // What the old code left when killed early in initdb: its tag (no flag) and a folder with PG_VERSION.
            wipe(dataDir);
            Files.createDirectories(dataDir);
            Files.writeString(dataDir.resolve("PG_VERSION"), version);
            Map<String, String> legacy = new TreeMap<>(a);
            legacy.remove(PgDataDir.INITIALIZED);
            tags().write("d1", LocalDatabases.KIND, "d1-db", legacy);

            Resource again = p.database().create(request("d1"));
            assertEquals(1, select1(p.database().credentials(again, true)), "the admin role has the stored password");
            assertEquals(1, select1(p.database().credentials(again, false)));
            assertEquals("true", tag("d1").get(PgDataDir.INITIALIZED));

            // Bootstrap killed half-way (app's database not created yet, app's password not the stored one): done again.
            DatabaseCredentials admin = p.database().credentials(again, true);
            String postgresDb = "jdbc:postgresql://" + admin.host() + ":" + admin.port() + "/postgres";
            try (Connection c = DriverManager.getConnection(postgresDb, admin.user(), admin.password()); Statement s = c.createStatement()) {
                s.execute("DROP DATABASE " + LocalDatabases.DBNAME);
                s.execute("ALTER ROLE " + LocalDatabases.APP + " PASSWORD 'not-the-stored-one'");
            }
            Resource third = p.database().create(request("d1"));
            assertEquals(1, select1(p.database().credentials(third, false)), "app's database and stored password are back");
        } finally {
            p.database().destroy(db);
        }
    }

    /**
     * The secret store is owner-only, written whole, and never makes up a password for a database
     * that exists: a missing entry or file is an error naming the file, and the folder is kept.
     */
    @Test
    void theSecretStoreIsPrivateAndAMissingPasswordIsAnErrorNamingTheFile() throws Exception {
        Provider p = provider();
        Resource db = p.database().create(request("d6"));
        try {
            dataDir = Path.of(tag("d6").get("dataDir"));
            Path file = Secrets.file(tags(), "d6");
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            assertEquals("rwx------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent())));
            assertFalse(Files.exists(file.resolveSibling(file.getFileName() + ".tmp")), "no temp file is left");
            String stored = Files.readString(file);
            assertTrue(stored.contains("\"" + LocalDatabases.ADMIN + "\"") && stored.contains("\"" + LocalDatabases.APP + "\""),
                    "both passwords are stored at creation, before initdb: " + file);

            // One entry lost: neither create nor credentials invent a new one.
            Files.writeString(file, stored.replaceAll(",?\"" + LocalDatabases.APP + "\":\"[0-9a-f]+\"", "").replace("{,", "{"));
            assertFalse(Files.readString(file).contains("\"" + LocalDatabases.APP + "\""));
            var e = assertThrows(LocalProviderException.class, () -> p.database().create(request("d6")));
            assertTrue(e.getMessage().contains(file.toString()) && e.getMessage().contains("'" + LocalDatabases.APP + "'"), e.getMessage());
            e = assertThrows(LocalProviderException.class, () -> p.database().credentials(db, false));
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
            assertFalse(Files.readString(file).contains("\"" + LocalDatabases.APP + "\""), "nothing was generated");

            // The whole file lost: the same, and the data folder is left alone.
            Files.delete(file);
            e = assertThrows(LocalProviderException.class, () -> p.database().create(request("d6")));
            assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
            assertThrows(LocalProviderException.class, () -> p.database().credentials(db, true));
            assertFalse(Files.exists(file), "nothing was generated");
            assertTrue(Files.exists(dataDir.resolve("PG_VERSION")));

            // Restored from a backup: everything works again.
            Files.writeString(file, stored);
            Resource again = p.database().create(request("d6"));
            assertEquals(1, select1(p.database().credentials(again, false)));
            assertEquals(1, select1(p.database().credentials(again, true)));
            assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(file)),
                    "a store left readable by others is made private again");
        } finally {
            p.database().destroy(db);
        }
        assertFalse(Files.exists(Secrets.file(tags(), "d6")));
    }

    @Test
    void aLeftoverInitdbOfAKilledRunIsStoppedAndTheFolderMadeAgain() throws Exception {
        Provider p = provider();
        Resource db = p.database().create(request("d2"));
        try {
            Map<String, String> a = tag("d2");
            dataDir = Path.of(a.get("dataDir"));
            stopServer(a);
            wipe(dataDir);
            retag("d2", Map.of(PgDataDir.INITIALIZED, "false"));
            // The killed run's initdb, still going: trust auth and no password, so a folder it finished would show.
            Path log = dir.resolve("initdb.log");
            leftover = new ProcessBuilder(bins(a).command("initdb", "-D", dataDir.toString(), "-U", LocalDatabases.ADMIN, "-A", "trust",
                    "-E", "UTF8", "--locale=C", "--no-sync")).directory(Path.of(a.get("home")).toFile()).redirectErrorStream(true)
                    .redirectOutput(log.toFile()).start();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!Files.exists(dataDir.resolve("PG_VERSION")) && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertTrue(Files.exists(dataDir.resolve("PG_VERSION")), "initdb got going");
            assertTrue(leftover.isAlive(), "and is still at work (PG_VERSION comes early, the rest takes a second or more)");

            Resource again = p.database().create(request("d2"));
            assertFalse(Processes.running(leftover.toHandle()), "the leftover initdb was stopped");
            DatabaseCredentials admin = p.database().credentials(again, true);
            assertEquals(1, select1(admin), "the new folder has the stored password");
            assertThrows(SQLException.class, () -> DriverManager.getConnection(admin.jdbcUrl(), admin.user(), "wrong"),
                    "and is not the leftover's trust-everybody folder");
            assertEquals(1, workingOn(dataDir).size(), "one postmaster works on the folder, nothing else");
        } finally {
            p.database().destroy(db);
        }
        assertEquals(List.of(), workingOn(dataDir), "destroy leaves nothing working on the folder");
    }

    @Test
    void aLeftoverServerOnAnUnfinishedFolderIsStopped() throws Exception {
        Provider p = provider();
        Resource db = p.database().create(request("d3"));
        try {
            dataDir = Path.of(tag("d3").get("dataDir"));
            long oldServer = PgDataDir.postmaster(dataDir).orElseThrow().pid();
            retag("d3", Map.of(PgDataDir.INITIALIZED, "false"));

            Resource again = p.database().create(request("d3"));
            assertFalse(ProcessHandle.of(oldServer).map(Processes::running).orElse(false), "the old server was stopped");
            assertEquals(1, select1(p.database().credentials(again, true)));
            assertEquals(1, workingOn(dataDir).size());
        } finally {
            p.database().destroy(db);
        }
    }

    @Test
    void aCompleteFolderWhoseServerCannotStartSaysWhy() throws Exception {
        Provider p = provider();
        Resource db = p.database().create(request("d4"));
        Path conf = null;
        String good = null;
        try {
            Map<String, String> a = tag("d4");
            dataDir = Path.of(a.get("dataDir"));
            stopServer(a);
            conf = dataDir.resolve("postgresql.conf");
            good = Files.readString(conf);
            Files.writeString(conf, good + "\nimago_no_such_setting = on\n");

            LocalProviderException e = assertThrows(LocalProviderException.class, () -> p.database().create(request("d4")));
            assertTrue(e.getMessage().contains("does not start"), e.getMessage());
            assertTrue(e.getMessage().contains("imago_no_such_setting"), "quotes server.log: " + e.getMessage());
            assertTrue(Files.exists(dataDir.resolve("base")), "a complete folder is kept, never redone");
        } finally {
            if (good != null) {
                Files.writeString(conf, good);
            }
            p.database().destroy(db);
        }
    }

    @Test
    void aPostmasterPidNamingAnotherProgramIsNeitherTrustedNorSignalled() throws Exception {
        Provider p = provider();
        Resource db = p.database().create(request("d5"));
        stranger = new ProcessBuilder("sleep", "60").start();
        try {
            Map<String, String> a = tag("d5");
            dataDir = Path.of(a.get("dataDir"));
            stopServer(a);
            // As after a reboot: postmaster.pid survives, and its pid now belongs to an unrelated program.
            Files.writeString(dataDir.resolve("postmaster.pid"), stranger.pid() + "\n" + dataDir + "\n");
            assertFalse(p.database().alive(db));
            p.database().ensureRunning(db);
            assertEquals(1, select1(p.database().credentials(db, true)), "the stale lock did not stop the server starting");
            stopServer(a);
            Files.writeString(dataDir.resolve("postmaster.pid"), stranger.pid() + "\n" + dataDir + "\n");
        } finally {
            p.database().destroy(db);
        }
        assertTrue(stranger.isAlive(), "destroy did not signal the unrelated program");
    }
}
