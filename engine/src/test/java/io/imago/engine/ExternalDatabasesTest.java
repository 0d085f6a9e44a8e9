package io.imago.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imago.blueprints.ExternalDatabaseSpec;
import io.imago.blueprints.SourcePos;
import io.imago.providers.spi.DatabaseCredentials;
import io.imago.providers.spi.DatabaseRequest;
import io.imago.providers.spi.ProviderException;
import io.imago.providers.spi.Resource;
import io.imago.state.UniverseState;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The parts of {@code database.external} that need no server: routing beside a provider's own databases, credentials
 * resolved from references (and never their values in a message), the store of generated passwords, what destroy
 * finds. The server side is {@code ExternalDatabaseIT}'s.
 */
class ExternalDatabasesTest {
    @TempDir
    Path dir;
    MemoryStateStore store;
    final Map<String, String> secretStore = new TreeMap<>();
    final List<String> warnings = new ArrayList<>();
    ExternalDatabases external;

    @BeforeEach
    void setUp() {
        store = new MemoryStateStore(dir);
        secretStore.put("DB_ADMIN_USER", "shop_admin");
        secretStore.put("DB_ADMIN_PASSWORD", "s3cret-admin-pw");
        external = new ExternalDatabases(store, "memory", n -> Optional.ofNullable(secretStore.get(n)), m -> {}, warnings::add);
    }

    private Resource resource(Map<String, String> extra) {
        Map<String, String> a = new TreeMap<>(Map.of("universe", "shop-v2", "external", "true", "url", "postgresql://127.0.0.1:5999/shop",
                "host", "127.0.0.1", "port", "5999", "database", "shop", "adminUser", "${secret:DB_ADMIN_USER}",
                "adminPassword", "${secret:DB_ADMIN_PASSWORD}", "appUser", "imago_shop_v2_app"));
        a.putAll(extra);
        return new Resource("database", "shop-v2-db", a);
    }

    @Test
    void credentialsComeFromTheReferencesAndTheStoreOfGeneratedPasswords() {
        Resource db = resource(Map.of());
        DatabaseCredentials admin = external.credentials(db, true);
        assertEquals(new DatabaseCredentials("127.0.0.1", 5999, "shop", "shop_admin", "s3cret-admin-pw"), admin);
        ProviderException missing = assertThrows(ProviderException.class, () -> external.credentials(db, false));
        assertTrue(missing.getMessage().contains("is missing from " + dir.resolve("external/_secrets/shop-v2.json")), missing.getMessage());

        String generated = new ExternalRecords(dir.resolve("external")).generate("shop-v2", "imago_shop_v2_app");
        assertEquals(new DatabaseCredentials("127.0.0.1", 5999, "shop", "imago_shop_v2_app", generated), external.credentials(db, false));
        assertEquals(admin, external.readerCredentials(db), "no reader: the admin reads");
        String readerPw = new ExternalRecords(dir.resolve("external")).generate("shop-v2", "imago_shop_v2_reader");
        assertEquals(new DatabaseCredentials("127.0.0.1", 5999, "shop", "imago_shop_v2_reader", readerPw),
                external.readerCredentials(resource(Map.of("reader", "imago_shop_v2_reader"))));

        secretStore.put("APP_PW", "given-app-pw");
        assertEquals(new DatabaseCredentials("127.0.0.1", 5999, "shop", "shop_app", "given-app-pw"),
                external.credentials(resource(Map.of("appUser", "shop_app", "appPassword", "${secret:APP_PW}")), false));
    }

    @Test
    void anUnresolvableReferenceIsNamedNeverItsValue() {
        secretStore.remove("DB_ADMIN_PASSWORD");
        ProviderException e = assertThrows(ExternalDatabases.Unresolved.class, () -> external.credentials(resource(Map.of()), true));
        assertEquals("secret 'DB_ADMIN_PASSWORD' (database.external of shop-v2) is not in the memory provider's secret store", e.getMessage());

        secretStore.put("DB_URL", "mysql://root:hunter2@db/shop");
        e = assertThrows(ExternalDatabases.Unresolved.class, () -> external.url("${secret:DB_URL}", "shop-v2"));
        assertEquals("database.external.url of shop-v2 (${secret:DB_URL}) must start with 'postgresql://' once resolved", e.getMessage());
        assertFalse(e.getMessage().contains("hunter2"));
    }

    @Test
    void serverErrorsLoseTheValuesOfSecrets() {
        external.credentials(resource(Map.of()), true);
        assertEquals("password authentication failed for user \"<secret>\"",
                external.scrub(new java.sql.SQLException("password authentication failed for user \"shop_admin\"")));
    }

    @Test
    void resourcesMarkedExternalAreServedBesideTheProvidersOwn() {
        WithExternalDatabases p = new WithExternalDatabases(MemoryProvider.INSTANCE, external);
        assertEquals("shop_admin", p.database().credentials(resource(Map.of()), true).user());
        Resource own = new Resource("database", "shop-v1-db", Map.of("universe", "shop-v1"));
        assertThrows(UnsupportedOperationException.class, () -> p.database().credentials(own, true), "the memory provider's own");
        assertEquals("memory", p.type());
        assertTrue(WithExternalDatabases.external(p) == external);
        EngineException e = assertThrows(EngineException.class, () -> WithExternalDatabases.external(MemoryProvider.INSTANCE));
        assertTrue(e.getMessage().contains("database.external is not available"), e.getMessage());
    }

    @Test
    void listFindsWhatTheStateAndTheRecordsKnow() {
        assertEquals(List.of(), external.list("shop-v2"));
        new ExternalRecords(dir.resolve("external")).saveRecord("shop-v2", resource(Map.of()).attrs());
        assertEquals(List.of(resource(Map.of())), external.list("shop-v2"), "recorded before the server was touched");
        store.save(UniverseState.create("shop-v2", "memory", "bp.yml", null, "shop")
                .withResource(Resources.record(resource(Map.of("createdRoles", "imago_shop_v2_app")))));
        assertEquals(List.of(resource(Map.of("createdRoles", "imago_shop_v2_app"))), external.list("shop-v2"), "the state's copy first");
    }

    @Test
    void generatedPasswordsAreStoredOnceAndPrivately() throws Exception {
        ExternalRecords records = new ExternalRecords(dir.resolve("external"));
        String pw = records.generate("shop-v2", "imago_shop_v2_app");
        assertEquals(pw, records.generate("shop-v2", "imago_shop_v2_app"));
        assertEquals(36, pw.length());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(records.secretsFile("shop-v2"))));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(records.secretsFile("shop-v2").getParent())));
        records.delete("shop-v2");
        assertEquals(Optional.empty(), records.password("shop-v2", "imago_shop_v2_app"));
    }

    @Test
    void aServerThatDoesNotAnswerIsAFailureBeforeAnythingIsRecorded() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
            assertTrue(external.alive(resource(Map.of("url", "postgresql://127.0.0.1:" + port + "/shop"))), "a listening port answers");
        }
        assertFalse(external.alive(resource(Map.of("url", "postgresql://127.0.0.1:" + port + "/shop"))));
        ExternalDatabaseSpec spec = new ExternalDatabaseSpec("postgresql://127.0.0.1:" + port + "/shop", "${secret:DB_ADMIN_USER}",
                "${secret:DB_ADMIN_PASSWORD}", null, null, SourcePos.UNKNOWN);
        ProviderException e = assertThrows(ProviderException.class,
                () -> external.create(new DatabaseRequest("shop-v2", "16", null, null, 0), spec));
        assertTrue(e.getMessage().startsWith("cannot connect to the external database postgresql://127.0.0.1:" + port + "/shop of shop-v2 as its admin"),
                e.getMessage());
        assertFalse(e.getMessage().contains("s3cret-admin-pw"));
        assertEquals(List.of(), external.list("shop-v2"), "nothing recorded, nothing to release");
    }

    @Test
    void namesOfTheRolesImagoCreatesAreUniquePerUniverse() {
        assertEquals("imago_shop_v2_app", ExternalDatabases.appRole("shop-v2"));
        assertEquals("imago_shop_v2_reader", ExternalDatabases.readerRole("shop-v2"));
    }
}
