package io.imago.blueprints;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code database.external}: what a valid one becomes, and each problem as users see it. */
class ExternalDatabaseTest {
    /** Five valid lines; the database section starts on line 6, its external block on line 9. */
    private static final String MINIMAL = """
            imago: 1
            universe: shop
            ingress: { name: shop }
            compute:
              - { name: web, run: [app] }
            database:
              engine: postgres
              version: "15"
              external:
            """;

    @TempDir
    Path dir;

    @BeforeEach
    void schema() throws IOException {
        Files.writeString(dir.resolve("schema.sql"), "create table t (id int primary key);");
    }

    private BlueprintLoader.LoadResult load(String yaml) {
        return BlueprintLoader.parse("bp.yaml", yaml, dir, Map.of("HOME", "/home/u", "DB_HOST", "db.internal")::get);
    }

    private List<String> problems(String yaml) {
        BlueprintLoader.LoadResult result = load(yaml);
        if (!result.errors().isEmpty()) {
            assertNull(result.blueprint());
            assertFalse(result.ok());
        }
        return result.diagnostics().stream().map(Diagnostic::oneLine).toList();
    }

    /** The external block's lines (indented by the caller's text), appended after line 9. */
    private List<String> external(String lines) {
        return problems(MINIMAL + lines.indent(4));
    }

    @Test
    void theContractsExample() {
        BlueprintLoader.LoadResult r = load(MINIMAL + """
                url: postgresql://10.0.0.5:5432/shop
                user: ${secret:SHOP_DB_ADMIN_USER}
                password: ${secret:SHOP_DB_ADMIN_PASSWORD}
                appUser: shop_app
                appPassword: ${secret:SHOP_DB_APP_PASSWORD}
            """.indent(2));
        assertEquals(List.of(), r.diagnostics());
        DatabaseSpec db = r.blueprint().database();
        assertTrue(db.isExternal());
        assertEquals(new ExternalDatabaseSpec("postgresql://10.0.0.5:5432/shop", "${secret:SHOP_DB_ADMIN_USER}",
                "${secret:SHOP_DB_ADMIN_PASSWORD}", "shop_app", "${secret:SHOP_DB_APP_PASSWORD}", new SourcePos("bp.yaml", 9, 3)), db.external());
        assertEquals("15", db.version());
        assertNull(db.size(), "nothing is rented, so nothing is sized");
        assertNull(db.instanceClass());
        assertEquals(0, db.storageGb());
    }

    @Test
    void appUserIsOptionalAndEnvReferencesResolveLikeElsewhere() {
        BlueprintLoader.LoadResult r = load(MINIMAL + """
                url: postgresql://${env:DB_HOST}:5432/shop
                user: shop_admin
                password: ${env:HOME}
            """.indent(2));
        assertEquals(List.of(), r.diagnostics());
        ExternalDatabaseSpec e = r.blueprint().database().external();
        assertNull(e.appUser());
        assertNull(e.appPassword());
        assertEquals("postgresql://${env:DB_HOST}:5432/shop", e.url(), "kept as written: the engine resolves it when it connects");
    }

    @Test
    void rentedDatabasesHaveNoExternal() {
        assertFalse(load(MINIMAL.replace("  external:\n", "")).blueprint().database().isExternal());
    }

    @Test
    void unknownFieldWithHint() {
        assertEquals(List.of("bp.yaml:9:3: missing required field 'password'",
                        "bp.yaml:12:5: unknown field 'pasword' (did you mean 'password'?)"),
                external("url: postgresql://h/shop\nuser: a\npasword: ${secret:PW}\n"));
    }

    @Test
    void requiredFields() {
        assertEquals(List.of(
                        "bp.yaml:9:3: missing required field 'url'",
                        "bp.yaml:9:3: missing required field 'user'",
                        "bp.yaml:9:3: missing required field 'password'"),
                external("{}\n"));
        assertEquals(List.of("bp.yaml:9:13: 'external' must be a mapping, not a string"),
                problems(MINIMAL.replace("  external:\n", "  external: postgresql://h/shop\n")));
    }

    @Test
    void urlMustBeAPostgresqlUrl() {
        String hint = " (write it as postgresql://host:port/database, e.g. postgresql://10.0.0.5:5432/shop)";
        String rest = "user: a\npassword: ${secret:PW}\n";
        assertEquals(List.of("bp.yaml:10:10: 'url' must start with 'postgresql://'" + hint),
                external("url: mysql://10.0.0.5:3306/shop\n" + rest));
        assertEquals(List.of("bp.yaml:10:10: 'url' names no database ('/database' at its end)" + hint),
                external("url: postgresql://10.0.0.5:5432\n" + rest));
        assertEquals(List.of("bp.yaml:10:10: 'url' has an invalid port '99999'" + hint),
                external("url: postgresql://10.0.0.5:99999/shop\n" + rest));
        assertEquals(List.of("bp.yaml:10:10: 'url' must not carry a user or password ('user@'): give them in 'user' and 'password'" + hint),
                external("url: postgresql://admin:pw@10.0.0.5:5432/shop\n" + rest));
        assertEquals(List.of("bp.yaml:10:10: 'url' takes no parameters ('?...')" + hint),
                external("url: postgresql://10.0.0.5:5432/shop?sslmode=require\n" + rest));
        assertEquals(List.of("bp.yaml:10:10: 'url' must be a string, not a list"),
                external("url: [postgresql://10.0.0.5/shop]\n" + rest));
    }

    @Test
    void passwordsMustBeReferencesAndAreNeverQuoted() {
        List<String> found = external("url: postgresql://h/shop\nuser: a\npassword: hunter2\n");
        assertEquals(List.of("bp.yaml:12:15: 'password' must be a reference to a secret, not the password itself (e.g. 'password: "
                + "${secret:SHOP_DB_PASSWORD}' (or ${env:NAME}): the blueprint and imago's state keep the text as written)"), found);
        assertFalse(String.join("\n", found).contains("hunter2"), "the literal is not repeated in a diagnostic");
        assertEquals(List.of("bp.yaml:14:18: 'appPassword' must be a reference to a secret, not the password itself (e.g. 'appPassword: "
                        + "${secret:SHOP_DB_PASSWORD}' (or ${env:NAME}): the blueprint and imago's state keep the text as written)"),
                external("url: postgresql://h/shop\nuser: a\npassword: ${secret:PW}\nappUser: app\nappPassword: x${secret:APP}\n"));
    }

    @Test
    void appUserAndAppPasswordGoTogether() {
        String base = "url: postgresql://h/shop\nuser: admin\npassword: ${secret:PW}\n";
        assertEquals(List.of("bp.yaml:13:5: 'appUser' needs 'appPassword' (the password the application logs in with, "
                + "e.g. 'appPassword: ${secret:SHOP_DB_APP_PASSWORD}')"), external(base + "appUser: shop_app\n"));
        assertEquals(List.of("bp.yaml:13:5: 'appPassword' without 'appUser' (name the application's existing role in 'appUser', "
                + "or leave both out and imago creates one)"), external(base + "appPassword: ${secret:APP}\n"));
        assertEquals(List.of("bp.yaml:13:14: 'appUser' must be another role than 'user' (the switch fences the application's role; "
                + "it cannot fence the role that sets the fence)"), external(base + "appUser: admin\nappPassword: ${secret:APP}\n"));
        assertEquals(List.of("bp.yaml:13:14: invalid role name 'shop-app' in 'appUser' (use letters, digits and '_', "
                + "starting with a letter or '_', at most 63 characters)"), external(base + "appUser: shop-app\nappPassword: ${secret:APP}\n"));
    }

    @Test
    void onlySecretAndEnvReferencesResolveInside() {
        String rest = "\nuser: a\npassword: ${secret:PW}\n";
        assertEquals(List.of("bp.yaml:10:10: '${database.host}' cannot be used in database.external (only '${secret:NAME}' and "
                + "'${env:NAME}' resolve there)"), external("url: postgresql://${database.host}/shop" + rest));
        assertEquals(List.of("bp.yaml:10:10: environment variable 'NOPE' is not set"), external("url: postgresql://${env:NOPE}/shop" + rest));
        assertEquals(List.of("bp.yaml:11:11: unknown reference '${secrt:U}' (did you mean '${secret:U}'?)"),
                external("url: postgresql://h/shop\nuser: ${secrt:U}\npassword: ${secret:PW}\n"));
    }

    @Test
    void sizingARentedServerMakesNoSenseAndIsAWarning() {
        BlueprintLoader.LoadResult r = load(MINIMAL.replace("  external:\n", "  size: medium\n  storageGb: 20\n  external:\n")
                + "    url: postgresql://h/shop\n    user: a\n    password: ${secret:PW}\n");
        assertTrue(r.ok(), "warnings only");
        String hint = " (remove it, or remove 'external' to have the provider rent one)";
        assertEquals(List.of(
                        "bp.yaml:9:3: 'size' is ignored with 'external': imago rents no database server" + hint,
                        "bp.yaml:10:3: 'storageGb' is ignored with 'external': imago rents no database server" + hint),
                r.diagnostics().stream().map(Diagnostic::oneLine).toList());
        assertTrue(r.diagnostics().stream().noneMatch(Diagnostic::isError));
    }

    @Test
    void anUpgradeIntoAnExternalDatabaseNeedsItsSchema() {
        String upgrade = MINIMAL.replace("universe: shop\n", "universe: shop-v2\nreplaces: shop-v1\n")
                + "    url: postgresql://h/shop\n    user: a\n    password: ${secret:PW}\n";
        assertEquals(List.of("bp.yaml:10:3: an upgrade into an external database needs 'schema' (imago loads the copy only into "
                + "tables it created there from the schema, never into tables it finds)"), problems(upgrade));
        assertEquals(List.of(), problems(upgrade.replace("  external:\n", "  schema: schema.sql\n  external:\n")));
        // A universe that replaces nothing may adopt a database with its tables as they are.
        assertEquals(List.of(), external("url: postgresql://h/shop\nuser: a\npassword: ${secret:PW}\n"));
    }

    @Test
    void urls() {
        assertEquals(new DatabaseUrl("10.0.0.5", 5432, "shop"), DatabaseUrl.parse("postgresql://10.0.0.5:5432/shop"));
        assertEquals(new DatabaseUrl("db.internal", 5432, "shop"), DatabaseUrl.parse("postgres://db.internal/shop"));
        assertEquals(new DatabaseUrl("::1", 6543, "my db"), DatabaseUrl.parse("postgresql://[::1]:6543/my%20db"));
        assertEquals("postgresql://[::1]:6543/my db", DatabaseUrl.parse("postgresql://[::1]:6543/my%20db").toString());
        for (String bad : List.of("postgresql://", "postgresql:///shop", "postgresql://h:0/shop", "postgresql://h:x/shop",
                "postgresql://h/a/b", "postgresql://[::1/shop", "postgresql://h/", "http://h/shop", "postgresql://h/shop#x")) {
            assertThrows(IllegalArgumentException.class, () -> DatabaseUrl.parse(bad), bad);
        }
    }
}
