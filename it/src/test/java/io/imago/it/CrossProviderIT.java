package io.imago.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.imago.providers.aws.AwsProvider;
import io.imago.providers.aws.AwsProviderFactory;
import io.imago.providers.spi.ProviderContext;
import io.imago.testkit.MotoServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A move between providers: the quickstart shop's v1 on the local provider, its v2 on aws (moto on loopback; its data
 * on a PostgreSQL server on loopback that imago does not own, since moto runs no database). The data moves by
 * snapshot and log shipping as in any upgrade; v2 gets a front (a load balancer of its own) pointed at its instances,
 * and the switch points the local ingress users reach at that front, in the local ingress's one atomic call. No
 * request is sent through the ingress after the switch: the front's address is moto's invention, reachable from
 * nowhere.
 */
class CrossProviderIT {
    private static final String ADMIN = "shop_admin";
    private static final String ADMIN_PASSWORD = "admin-" + Long.toHexString(System.nanoTime());

    @TempDir
    Path tmp;
    Quickstart qs;
    MotoServer moto;
    ExternalPg pg;

    @AfterEach
    void cleanUp() throws Exception {
        if (qs != null) {
            for (String u : List.of("shop-v3", "shop-v2", "shop-v1")) {
                qs.imago("destroy", u, "--yes");
            }
            assertEquals(List.of(), Leaks.processesUnder(tmp), "processes left behind");
        }
        if (moto != null) {
            moto.close();
        }
        if (pg != null) {
            pg.close();
        }
    }

    @Test
    void theLocalShopMovesToAwsAndTheLocalIngressForwardsToItsFront() throws Exception {
        moto = MotoServer.start();
        pg = new ExternalPg("logical");
        pg.sql("postgres",
                "CREATE ROLE " + ADMIN + " LOGIN CREATEROLE REPLICATION PASSWORD '" + ADMIN_PASSWORD + "'",
                "CREATE DATABASE shop OWNER " + ADMIN);
        qs = new Quickstart(tmp);
        qs.env.putAll(moto.environment());
        qs.env.put("IMAGO_SECRET_SHOP_DB_ADMIN_USER", ADMIN);
        qs.env.put("IMAGO_SECRET_SHOP_DB_ADMIN_PASSWORD", ADMIN_PASSWORD);
        assertEquals(0, qs.imago("apply", "--yes", qs.v1().toString()).code());
        long v1Customers = count(qs.db("shop-v1"), "SELECT count(*) FROM customers");

        Path v2 = tmp.resolve("shop-v2-aws.yml");
        Files.writeString(v2, """
                imago: 1
                universe: shop-v2
                replaces: shop-v1
                provider: { type: aws, region: us-east-1 }
                ingress: { name: shop, type: loadBalancer, port: 80 }
                compute:
                  - name: web
                    count: 2
                    image: ami-12c6146b
                    size: small
                    port: 8080
                    run: ["/opt/shop/bin/start"]
                    env: { SCHEMA_VERSION: "2" }
                    health: { path: /health, timeout: 60s }
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
                      dropColumns: [legacy_flag]
                    - table: orders
                      renameTo: purchase_orders
                    - table: sessions
                      skip: true
                validate:
                  - rowCounts: true
                  - checksums: [customers, purchase_orders]
                teardown: { keepOld: 0 }
                """.formatted(pg.url("shop")));
        Cli.Result moved = qs.imago("apply", "--yes", v2.toString());
        assertEquals(0, moved.code(), moved.toString());
        assertTrue(moved.err().contains("its front on aws"), moved.toString());

        JsonNode u = qs.universe("shop-v2");
        assertEquals("LIVE", u.get("phase").asText());
        assertEquals("aws", u.get("provider").asText());
        assertTrue(u.path("ingress").path("url").asText().startsWith("http://127.0.0.1:" + qs.port), u.toString());
        String backends = localIngressBackends();
        assertTrue(backends.contains("imago-shop-shop-v2") && backends.contains(".elb.amazonaws.com"),
                "the local ingress forwards to v2's load balancer: " + backends);
        assertEquals(v1Customers, count(pg.superuser("shop"), "SELECT count(*) FROM customers"));
        assertEquals(v1Customers, count(pg.superuser("shop"), "SELECT count(*) FROM customers WHERE email_domain IS NOT NULL"));
        assertEquals(null, qs.universe("shop-v1"), "keepOld: 0 retires the local v1 at once");

        // And back: a universe on local replaces the one on aws; the local ingress points at local instances again,
        // and retiring shop-v2 takes its front with it.
        Path v3 = tmp.resolve("shop-v3-local.yml");
        Files.writeString(v3, Files.readString(qs.v2()).replace("universe: shop-v2", "universe: shop-v3").replace("replaces: shop-v1", "replaces: shop-v2")
                .replaceAll("(?s)migration:.*?\n\n", "")
                .replace("  - http: { path: /health, expect: 200 }\n", "")
                .replaceAll("  - compare: [^\n]*\n", ""));
        Cli.Result back = qs.imago("apply", "--yes", v3.toString());
        assertEquals(0, back.code(), back.toString());
        assertEquals("local", qs.universe("shop-v3").get("provider").asText());
        assertFalse(localIngressBackends().contains("amazonaws"), "the local ingress points at local instances again: " + localIngressBackends());
        assertEquals(200, qs.get("/health").statusCode());
        assertEquals(v1Customers, count(qs.db("shop-v3"), "SELECT count(*) FROM customers"));
        moto.useInThisJvm();
        try (AwsProvider aws = (AwsProvider) new AwsProviderFactory().create(new ProviderContext(tmp, Map.of(), s -> { }))) {
            assertEquals(List.of(), aws.leftovers("shop-v2"), "nothing tagged with shop-v2 is left on aws, its front included");
        }

        Cli.Result destroyed = qs.imago("destroy", "shop-v3", "--yes");
        assertEquals(0, destroyed.code(), destroyed.toString());
        assertFalse(Files.exists(tmp.resolve(".imago/ingresses/shop.json")), "the ingress went with the universe it served");
        assertTrue(pg.running());
        qs = null; // destroyed: nothing for the clean-up to do but check processes
        assertEquals(List.of(), Leaks.processesUnder(tmp), "processes left behind");
    }

    private String localIngressBackends() throws Exception {
        try (Stream<Path> files = Files.walk(tmp.resolve(".imago/providers/local"))) {
            Path f = files.filter(p -> p.getFileName().toString().equals("backends.json")).findFirst().orElseThrow();
            return Files.readString(f);
        }
    }

    private static long count(Connection c, String sql) throws Exception {
        try (c; Statement st = c.createStatement(); ResultSet rs = st.executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
