package io.imago.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imago.providers.aws.AwsProvider;
import io.imago.providers.aws.AwsProviderFactory;
import io.imago.providers.spi.ProviderContext;
import io.imago.testkit.FaultInjectingProxy;
import io.imago.testkit.MotoServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An upgrade with data on the aws provider, against moto behind a proxy that throttles or fails every fifth call.
 * moto runs no database server, so both universes keep their data on {@code database.external} servers on loopback
 * (one plain PostgreSQL server, a database each), and validation is by row counts and checksums. The AWS API goes
 * away in the middle of the switch (the proxy answers every call with 503): the apply fails with exit 1, the old
 * universe stays live and writable, and once the API is back a re-run finishes the upgrade.
 */
class AwsDataUpgradeIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN = "shop_admin";
    private static final String ADMIN_PASSWORD = "admin-" + Long.toHexString(System.nanoTime());
    private static MotoServer moto;
    private static FaultInjectingProxy proxy;
    private static ExternalPg pg;

    @TempDir
    Path dir;

    @BeforeAll
    static void start() {
        moto = MotoServer.start();
        proxy = FaultInjectingProxy.start(moto.endpoint(), 5);
        pg = new ExternalPg("logical");
        pg.sql("postgres",
                "CREATE ROLE " + ADMIN + " LOGIN CREATEROLE REPLICATION PASSWORD '" + ADMIN_PASSWORD + "'",
                "GRANT pg_signal_backend TO " + ADMIN,
                "CREATE DATABASE shop1 OWNER " + ADMIN,
                "CREATE DATABASE shop2 OWNER " + ADMIN);
    }

    @AfterAll
    static void stop() throws Exception {
        proxy.close();
        moto.close();
        pg.close();
    }

    private Map<String, String> env() {
        Map<String, String> env = new HashMap<>(moto.environment());
        env.put("AWS_ENDPOINT_URL", proxy.endpoint().toString());
        env.put("IMAGO_SECRET_SHOP_DB_ADMIN_USER", ADMIN);
        env.put("IMAGO_SECRET_SHOP_DB_ADMIN_PASSWORD", ADMIN_PASSWORD);
        return env;
    }

    private Cli.Result imago(String... args) {
        return Cli.run(dir, env(), args);
    }

    private Cli.Result ok(String... args) {
        Cli.Result r = imago(args);
        assertEquals(0, r.code(), r.toString());
        return r;
    }

    private void files() throws Exception {
        Files.writeString(dir.resolve("schema-v1.sql"), """
                CREATE TABLE customers (id bigserial PRIMARY KEY, name text NOT NULL, email text NOT NULL);
                CREATE TABLE orders (id bigserial PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers, total numeric(10,2) NOT NULL,
                                     status text NOT NULL);
                """);
        Files.writeString(dir.resolve("seed-v1.sql"), """
                INSERT INTO customers (name, email) SELECT 'customer ' || g, 'c' || g || '@example.org' FROM generate_series(1, 300) g;
                INSERT INTO orders (customer_id, total, status)
                  SELECT 1 + g % 300, (g % 97) * 1.25, CASE WHEN g % 10 = 0 THEN 'void' ELSE 'paid' END FROM generate_series(1, 2000) g;
                """);
        Files.writeString(dir.resolve("schema-v2.sql"), """
                CREATE TABLE customers (id bigserial PRIMARY KEY, full_name text NOT NULL, email text NOT NULL, email_domain text);
                CREATE TABLE purchase_orders (id bigserial PRIMARY KEY, customer_id bigint NOT NULL REFERENCES customers,
                                              total numeric(10,2) NOT NULL, status text NOT NULL);
                """);
        String common = """
                provider: { type: aws, region: us-east-1 }
                ingress: { name: shop, type: loadBalancer, port: 80 }
                compute:
                  - name: web
                    count: 2
                    image: ami-12c6146b
                    size: small
                    port: 8080
                    run: ["/opt/shop/bin/start"]
                    env: { SCHEMA_VERSION: "%s" }
                    health: { path: /health, timeout: 60s }
                """;
        Files.writeString(dir.resolve("shop-v1.yml"), "imago: 1\nuniverse: shop-v1\n" + common.formatted("1") + """
                database:
                  engine: postgres
                  version: "16"
                  schema: schema-v1.sql
                  seed: seed-v1.sql
                  external:
                    url: %s
                    user: ${secret:SHOP_DB_ADMIN_USER}
                    password: ${secret:SHOP_DB_ADMIN_PASSWORD}
                """.formatted(pg.url("shop1")));
        Files.writeString(dir.resolve("shop-v2.yml"), "imago: 1\nuniverse: shop-v2\nreplaces: shop-v1\n" + common.formatted("2") + """
                database:
                  engine: postgres
                  version: "16"
                  schema: schema-v2.sql
                  external:
                    url: %s
                    user: ${secret:SHOP_DB_ADMIN_USER}
                    password: ${secret:SHOP_DB_ADMIN_PASSWORD}
                migration:
                  transforms:
                    - table: customers
                      renameColumns: { name: full_name }
                      addColumns: { email_domain: "split_part(email, '@', 2)" }
                    - table: orders
                      renameTo: purchase_orders
                      where: "status <> 'void'"
                validate:
                  - rowCounts: true
                  - checksums: [customers, purchase_orders]
                switchover: { maxWritePause: 5s }
                teardown: { keepOld: 0 }
                """.formatted(pg.url("shop2")));
    }

    @Test
    void theDataMovesTheApiGoesAwayAtTheSwitchAndARerunFinishes() throws Exception {
        files();
        ok("apply", "--yes", dir.resolve("shop-v1.yml").toString());
        assertEquals(2000, count("shop1", "SELECT count(*) FROM orders"));

        // The API goes away inside the write pause, with the old database fenced for this session, before the flip.
        PausedRun run = PausedRun.at(dir, env(), "SWITCHOVER:fenced", "apply", "--yes", dir.resolve("shop-v2.yml").toString());
        proxy.down(true);
        run.release();
        Cli.Result failed = run.finish(6);
        proxy.down(false);
        System.out.println("the apply the API went away under:\n" + failed.out());
        assertEquals(1, failed.code(), failed.toString());
        assertTrue(failed.out().contains("shop-v1"), failed.toString());
        assertFalse(failed.out().contains("Exception"), "no stack trace: " + failed);
        Map<String, String> phases = phases();
        assertEquals("LIVE", phases.get("shop-v1"), phases.toString());
        assertFalse("LIVE".equals(phases.get("shop-v2")), phases.toString());
        assertFalse(writersOf("shop1").isEmpty(), "shop-v1's application role can still write: nothing was left fenced");

        Cli.Result rerun = ok("apply", "--yes", dir.resolve("shop-v2.yml").toString());
        assertTrue(rerun.out().contains("shop-v2 is live"), rerun.toString());
        assertEquals(300, count("shop2", "SELECT count(*) FROM customers WHERE email_domain = 'example.org'"));
        assertEquals(1800, count("shop2", "SELECT count(*) FROM purchase_orders"), "the void orders are filtered out");
        assertEquals(0, count("shop2", "SELECT count(*) FROM purchase_orders WHERE status = 'void'"));
        assertTrue(writersOf("shop1").isEmpty(), "after the switch shop-v1's application role can write no more");
        assertEquals(0, count("shop1", "SELECT count(*) FROM pg_replication_slots"), "no slot left on the old database");
        assertTrue(proxy.faults() >= 20, proxy.faults() + " faults in " + proxy.calls() + " calls");

        ok("destroy", "--yes", "shop-v2");
        assertTrue(pg.running(), "destroy never touches a server imago does not own");
        assertEquals(1800, count("shop2", "SELECT count(*) FROM purchase_orders"), "nor its data");
        moto.useInThisJvm();
        try (AwsProvider aws = (AwsProvider) new AwsProviderFactory().create(new ProviderContext(dir, Map.of(), s -> { }))) {
            assertEquals(List.of(), aws.leftovers("shop-v1"));
            assertEquals(List.of(), aws.leftovers("shop-v2"));
        }
    }

    private Map<String, String> phases() throws Exception {
        Map<String, String> out = new HashMap<>();
        JsonNode status = JSON.readTree(ok("status", "--output", "json").out());
        status.path("universes").forEach(u -> out.put(u.path("name").asText(), u.path("phase").asText()));
        return out;
    }

    private long count(String db, String sql) throws Exception {
        try (Connection c = pg.superuser(db); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /** Roles other than the owner that may insert into the orders table. */
    private List<String> writersOf(String db) throws Exception {
        List<String> out = new ArrayList<>();
        try (Connection c = pg.superuser(db); Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                "SELECT grantee FROM information_schema.role_table_grants WHERE table_name = 'orders' AND privilege_type = 'INSERT'"
                        + " AND grantee NOT IN ('" + ADMIN + "', 'postgres')")) {
            while (rs.next()) {
                out.add(rs.getString(1));
            }
        }
        return out;
    }
}
