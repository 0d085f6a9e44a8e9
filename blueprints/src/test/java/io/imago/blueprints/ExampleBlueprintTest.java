package io.imago.blueprints;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The complete example of blueprint-v1.md, copied verbatim, must load with every field. */
class ExampleBlueprintTest {
    private static Path file;
    private static Blueprint bp;

    @BeforeAll
    static void load() throws Exception {
        file = Path.of(ExampleBlueprintTest.class.getResource("/example/shop-v2.yaml").toURI());
        BlueprintLoader.LoadResult result = BlueprintLoader.load(file);
        assertEquals(List.of(), result.diagnostics());
        assertTrue(result.ok());
        bp = result.blueprint();
    }

    @Test
    void header() {
        assertEquals(file, bp.file());
        assertEquals(file.getParent(), bp.dir());
        assertEquals(1, bp.imago());
        assertEquals("shop-v2", bp.universe());
        assertEquals("shop-v1", bp.replaces());
        assertEquals(ProviderSpec.LOCAL, bp.provider());
    }

    @Test
    void ingress() {
        IngressSpec ingress = bp.ingress();
        assertEquals("shop", ingress.name());
        assertEquals("loadBalancer", ingress.type());
        assertEquals(8000, ingress.port());
        assertEquals(Map.of(), ingress.settings());
        assertEquals(new SourcePos(file.toString(), 10, 1), ingress.pos());
    }

    @Test
    void compute() {
        assertEquals(1, bp.compute().size());
        ComputeSpec web = bp.compute().get(0);
        assertEquals("web", web.name());
        assertEquals(2, web.count());
        assertEquals("small", web.size());
        assertNull(web.instanceType());
        assertEquals(List.of("java", "-jar", "app/target/shop-app.jar"), web.run());
        assertNull(web.image());
        assertEquals(8080, web.port());
        assertEquals(List.of("DB_URL", "SCHEMA_VERSION"), List.copyOf(web.env().keySet()));
        assertEquals("${database.url}", web.env().get("DB_URL"));
        assertEquals("2", web.env().get("SCHEMA_VERSION"));
        assertEquals(new HealthSpec("/health", Duration.ofSeconds(60)), web.health());
        assertEquals(17, web.pos().line());
    }

    @Test
    void database() {
        DatabaseSpec db = bp.database();
        assertEquals("postgres", db.engine());
        assertEquals("16", db.version());
        assertEquals("small", db.size());
        assertNull(db.instanceClass());
        assertEquals(10, db.storageGb());
        assertEquals(file.getParent().resolve("schema-v2.sql"), db.schema());
        assertEquals(file.getParent().resolve("seed.sql"), db.seed());
        assertTrue(db.schema().isAbsolute());
    }

    @Test
    void migration() {
        MigrationSpec m = bp.migration();
        assertTrue(m.allTables());
        assertEquals(2, m.parallelism());
        assertEquals(Duration.ofMillis(500), m.maxLag());
        assertEquals(4, m.transforms().size());

        TransformSpec customers = m.transformFor("customers").orElseThrow();
        assertEquals(Map.of("name", "full_name"), customers.renameColumns());
        assertEquals(Map.of("email_domain", "split_part(email, '@', 2)"), customers.addColumns());
        assertEquals(List.of("legacy_flag"), customers.dropColumns());
        assertEquals("customers", customers.targetTable());
        assertFalse(customers.skip());
        assertFalse(customers.replicaIdentityFull());

        TransformSpec orders = m.transformFor("orders").orElseThrow();
        assertEquals("purchase_orders", orders.targetTable());
        assertEquals("status <> 'void'", orders.where());

        assertTrue(m.transformFor("sessions").orElseThrow().skip());
        assertEquals("com.example.SplitInvoices", m.transformFor("invoices").orElseThrow().className());
    }

    @Test
    void validate() {
        List<CheckSpec> checks = bp.validate();
        assertEquals(5, checks.size());
        assertInstanceOf(CheckSpec.RowCounts.class, checks.get(0));
        assertEquals(List.of("customers", "purchase_orders"), ((CheckSpec.Checksums) checks.get(1)).tables());
        CheckSpec.Http http = (CheckSpec.Http) checks.get(2);
        assertEquals("/health", http.path());
        assertEquals(200, http.expect());
        CheckSpec.Compare compare = (CheckSpec.Compare) checks.get(3);
        assertEquals("/api/customers/1", compare.path());
        assertEquals(List.of(), compare.ignore());
        assertEquals(List.of("./smoke-test.sh"), ((CheckSpec.Command) checks.get(4)).argv());
        assertEquals(new SourcePos(file.toString(), 58, 5), checks.get(4).pos());
    }

    @Test
    void policies() {
        assertEquals(new SwitchoverSpec(Duration.ofSeconds(2), Duration.ofSeconds(10)), bp.switchover());
        assertEquals(Duration.ofMinutes(15), bp.teardown().keepOld());
        assertEquals(0, new BigDecimal("25").compareTo(bp.budget().maxUsd()));
    }
}
