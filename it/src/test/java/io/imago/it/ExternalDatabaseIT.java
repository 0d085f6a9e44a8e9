package io.imago.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code database.external} end to end on the local provider: a plain PostgreSQL server the test starts itself, that
 * imago does not own, as the new universe's database (the quickstart upgrade runs into it) and as the old one's (v1 on
 * a self-managed server, moved to a local one). Destroying a universe leaves the server and its data in place.
 */
class ExternalDatabaseIT {
    private static final String ADMIN = "shop_admin";
    private final String adminPassword = "pw-" + UUID.randomUUID();
    private final String appPassword = "app-" + UUID.randomUUID();

    @TempDir Path tmp;
    Quickstart qs;
    ExternalPg pg;

    @AfterEach
    void cleanUp() throws Exception {
        if (qs != null) {
            for (String u : List.of("shop-v2", "shop-v1")) {
                qs.imago("destroy", u, "--yes");
            }
            assertEquals(List.of(), Leaks.processesUnder(tmp), "processes left behind");
        }
        if (pg != null) {
            pg.close();
        }
    }

    /** An admin role that may create roles and stream changes, owning an empty database: what a DBA hands imago. */
    private void adminAndDatabase() {
        pg.sql("postgres",
                "CREATE ROLE " + ADMIN + " LOGIN CREATEROLE REPLICATION PASSWORD '" + adminPassword + "'",
                "GRANT pg_signal_backend TO " + ADMIN,
                "CREATE DATABASE shop OWNER " + ADMIN);
        qs.env.put("IMAGO_SECRET_SHOP_DB_ADMIN_USER", ADMIN);
        qs.env.put("IMAGO_SECRET_SHOP_DB_ADMIN_PASSWORD", adminPassword);
    }

    /** The quickstart blueprint with its database section replaced by an external one. */
    private Path external(Path blueprint, String name, String database) throws Exception {
        String text = Files.readString(blueprint);
        int at = text.indexOf("\ndatabase:\n");
        int end = text.indexOf("\n\n", at + 1);
        String replaced = text.substring(0, at + 1) + database + (end < 0 ? "" : text.substring(end + 1));
        Path out = blueprint.resolveSibling(name);
        Files.writeString(out, replaced);
        return out;
    }

    @Test
    void theUpgradeRunsIntoAnExternalDatabaseAndDestroyLeavesItsData() throws Exception {
        qs = new Quickstart(tmp);
        pg = new ExternalPg("logical");
        adminAndDatabase();
        Path v2 = external(qs.v2(), "shop-v2-external.yml", """
                database:
                  engine: postgres
                  version: "16"
                  schema: schema-v2.sql
                  external:
                    url: %s
                    user: ${secret:SHOP_DB_ADMIN_USER}
                    password: ${secret:SHOP_DB_ADMIN_PASSWORD}
                """.formatted(pg.url("shop")));
        assertEquals(0, qs.imago("apply", "--yes", qs.v1().toString()).code());
        long v1Customers;
        try (Connection c = qs.db("shop-v1")) {
            v1Customers = Rows.count(c, "SELECT count(*) FROM customers");
        }

        Cli.Result plan = qs.imago("plan", v2.toString());
        assertEquals(0, plan.code(), plan.toString());
        assertTrue(plan.out().contains("use      database") && plan.out().contains("external PostgreSQL at " + pg.url("shop")), plan.out());

        Cli.Result up = qs.imago("apply", "--yes", v2.toString());
        assertEquals(0, up.code(), up.toString());
        assertTrue(up.out().contains("shop-v2 is live"), up.toString());
        assertTrue(up.err().contains("PASS") && up.err().contains("rowCounts") && up.err().contains("checksums"), up.err());
        HttpResponse<String> after = qs.get("/api/customers/1");
        assertEquals("shop-v2", after.headers().firstValue("X-Universe").orElse(""));
        assertTrue(after.body().contains("email_domain"), after.body());

        // The data is on the external server, converted, and the application reads it as the role imago created.
        JsonNode db = qs.universe("shop-v2").get("database");
        assertEquals("postgresql://imago_shop_v2_app@127.0.0.1:" + pg.port() + "/shop", db.get("url").asText());
        try (Connection c = pg.as("shop", ADMIN, adminPassword)) {
            assertEquals(v1Customers, Rows.count(c, "SELECT count(*) FROM customers"));
            assertEquals(v1Customers, Rows.count(c, "SELECT count(*) FROM customers WHERE email_domain = split_part(email, '@', 2)"));
        }
        try (Connection c = pg.superuser("shop")) {
            assertEquals("imago_shop_v2_app,imago_shop_v2_reader", Rows.byKey(c, "SELECT 1, string_agg(rolname, ',' ORDER BY rolname) "
                    + "FROM pg_roles WHERE rolname LIKE 'imago_shop_v2%'").get(1L), "the application's role and the reader imago created");
            assertEquals(1, Rows.count(c, "SELECT count(*) FROM pg_roles WHERE rolname = 'imago_shop_v2_reader' AND rolreplication "
                    + "AND NOT rolsuper AND NOT has_table_privilege(rolname, 'customers', 'INSERT')"), "the reader only reads");
        }
        String generated = Quickstart.JSON.readTree(tmp.resolve(".imago/providers/external/_secrets/shop-v2.json").toFile())
                .get("imago_shop_v2_app").asText();
        assertNoSecretIn(List.of(plan, up), List.of(adminPassword, generated));

        Cli.Result destroyed = qs.imago("destroy", "shop-v2", "--yes");
        assertEquals(0, destroyed.code(), destroyed.toString());
        assertTrue(destroyed.out().contains("the external database " + pg.url("shop") + " and its data are left in place"), destroyed.out());
        assertTrue(pg.running(), "the external server still runs");
        try (Connection c = pg.superuser("shop")) {
            assertEquals(v1Customers, Rows.count(c, "SELECT count(*) FROM customers"), "its data stays");
            assertEquals(0, Rows.count(c, "SELECT count(*) FROM pg_roles WHERE rolname LIKE 'imago_shop_v2%'"), "imago's roles are gone");
            assertEquals(0, Rows.count(c, "SELECT count(*) FROM pg_replication_slots"), "no slot left");
        }
        assertTrue(pg.as("shop", ADMIN, adminPassword).isValid(5), "the admin role is not imago's to drop");
        assertFalse(Files.exists(tmp.resolve(".imago/providers/external/shop-v2.json")));
    }

    @Test
    void aSelfManagedV1MovesToALocalV2AndItsServerKeepsItsData() throws Exception {
        qs = new Quickstart(tmp);
        pg = new ExternalPg("logical");
        adminAndDatabase();
        selfManagedShop();
        Path v1 = externalV1();
        Cli.Result first = qs.imago("apply", "--yes", v1.toString());
        assertEquals(0, first.code(), first.toString());
        HttpResponse<String> before = qs.get("/api/customers/1");
        assertEquals("shop-v1", before.headers().firstValue("X-Universe").orElse(""));
        long customers;
        try (Connection c = pg.superuser("shop")) {
            customers = Rows.count(c, "SELECT count(*) FROM customers");
        }
        assertTrue(customers > 0);

        try (Connection c = pg.superuser("shop")) {
            assertEquals(1, Rows.count(c, "SELECT count(*) FROM pg_roles WHERE rolname = 'imago_shop_v1_reader'"), "v1 is read by a reader");
        }
        Cli.Result up = qs.imago("apply", "--yes", qs.v2().toString());
        assertEquals(0, up.code(), up.toString());
        assertEquals("shop-v2", qs.get("/api/customers/1").headers().firstValue("X-Universe").orElse(""));
        try (Connection c = qs.db("shop-v2")) {
            assertEquals(customers, Rows.count(c, "SELECT count(*) FROM customers"));
        }
        assertNull(qs.universe("shop-v1"), "v1 is retired (keepOld: 0)");
        assertTrue(up.err().contains("its external database left in place"), up.err());

        // The self-managed server keeps v1's data; imago's slot, publication and reader are gone; the application's own
        // role stays, fenced for good (writers that bypass the ingress are refused).
        assertTrue(pg.running());
        try (Connection c = pg.superuser("shop")) {
            assertEquals(customers, Rows.count(c, "SELECT count(*) FROM customers"));
            assertEquals(0, Rows.count(c, "SELECT count(*) FROM pg_replication_slots"));
            assertEquals(0, Rows.count(c, "SELECT count(*) FROM pg_publication"));
            assertEquals(0, Rows.count(c, "SELECT count(*) FROM pg_roles WHERE rolname LIKE 'imago_%'"));
            assertEquals(1, Rows.count(c, "SELECT count(*) FROM pg_roles WHERE rolname = 'shop_app'"));
        }
        try (Connection c = pg.as("shop", "shop_app", appPassword); Statement st = c.createStatement()) {
            assertEquals(customers, Rows.count(c, "SELECT count(*) FROM customers"));
            assertThrows(SQLException.class, () -> st.execute("INSERT INTO customers (name, email) VALUES ('x', 'x@y')"));
        }
        assertNoSecretIn(List.of(first, up), List.of(adminPassword, appPassword));
    }

    @Test
    void aSourceWithoutLogicalDecodingIsRefusedBeforeAnythingIsRented() throws Exception {
        qs = new Quickstart(tmp);
        pg = new ExternalPg("replica");
        adminAndDatabase();
        selfManagedShop();
        Cli.Result first = qs.imago("apply", "--yes", externalV1().toString());
        assertEquals(0, first.code(), first.toString());
        assertTrue(first.err().contains("wal_level = replica: an upgrade from shop-v1 will need wal_level = logical"), first.err());

        for (String command : List.of("validate", "plan", "apply")) {
            Cli.Result r = command.equals("apply") ? qs.imago("apply", "--yes", qs.v2().toString()) : qs.imago(command, qs.v2().toString());
            assertEquals(2, r.code(), command + ": " + r);
            assertTrue((r.out() + r.err()).contains("has wal_level = replica: log shipping from it needs wal_level = logical"), r.toString());
        }
        assertNull(qs.universe("shop-v2"), "nothing was rented");
        assertEquals("shop-v1", qs.get("/api/customers/1").headers().firstValue("X-Universe").orElse(""));
    }

    /** v1 as it runs before imago: its tables and data made by the admin, and the application's own role. */
    private void selfManagedShop() throws Exception {
        try (Connection c = pg.as("shop", ADMIN, adminPassword); Statement st = c.createStatement()) {
            st.execute(Files.readString(qs.dir.resolve("schema-v1.sql")));
            st.execute(Files.readString(qs.dir.resolve("seed-v1.sql")));
            st.execute("CREATE ROLE shop_app LOGIN PASSWORD '" + appPassword + "'");
        }
        qs.env.put("IMAGO_SECRET_SHOP_DB_APP_PASSWORD", appPassword);
    }

    /** shop-v1 on the self-managed server: no schema nor seed, the tables are used as they are. */
    private Path externalV1() throws Exception {
        return external(qs.v1(), "shop-v1-external.yml", """
                database:
                  engine: postgres
                  version: "16"
                  external:
                    url: %s
                    user: ${secret:SHOP_DB_ADMIN_USER}
                    password: ${secret:SHOP_DB_ADMIN_PASSWORD}
                    appUser: shop_app
                    appPassword: ${secret:SHOP_DB_APP_PASSWORD}
                """.formatted(pg.url("shop")));
    }

    /** No password in the commands' output, in status, or in any file of the state but the secret stores. */
    private void assertNoSecretIn(List<Cli.Result> outputs, List<String> passwords) throws Exception {
        String status = qs.imago("status", "--output", "json").out();
        List<Path> files = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(tmp.resolve(".imago"))) {
            walk.filter(Files::isRegularFile).filter(f -> !f.toString().contains("_secrets") && !f.toString().contains("/postgres/")
                    && !f.toString().contains("admin-token")).forEach(files::add);
        }
        for (String pw : passwords) {
            for (Cli.Result r : outputs) {
                assertFalse(r.out().contains(pw) || r.err().contains(pw), "a password in the output of imago");
            }
            assertFalse(status.contains(pw), "a password in status");
            for (Path f : files) {
                assertFalse(Files.readString(f).contains(pw), "a password in " + f);
            }
        }
        Path records = tmp.resolve(".imago/providers/external");
        if (Files.isDirectory(records)) {
            try (Stream<Path> list = Files.list(records)) {
                for (Path f : list.filter(p -> p.toString().endsWith(".json")).toList()) {
                    Map<?, ?> record = Quickstart.JSON.readValue(f.toFile(), Map.class);
                    assertEquals("${secret:SHOP_DB_ADMIN_PASSWORD}", record.get("adminPassword"), "the reference is kept, not the password");
                }
            }
        }
    }
}
