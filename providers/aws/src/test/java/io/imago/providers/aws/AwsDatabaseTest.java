package io.imago.providers.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imago.providers.spi.DatabaseCredentials;
import io.imago.providers.spi.DatabaseRequest;
import io.imago.providers.spi.ProviderException;
import io.imago.providers.spi.Resource;
import io.imago.testkit.MotoServer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.rds.model.DBInstance;

/**
 * RDS for PostgreSQL on moto. moto reports {@code available} at once with an endpoint that has no server behind it:
 * nothing here connects to it (the roles are prepared by {@link RecordingRoles}).
 */
class AwsDatabaseTest {
    private static MotoServer moto;
    private static ClientPool direct;

    @TempDir
    Path dir;
    private final TestAws aws = new TestAws();
    private AwsProvider provider;

    @BeforeAll
    static void startMoto() {
        moto = MotoServer.start().useInThisJvm();
        direct = new ClientPool(AwsSettings.of(Map.of()), AwsClients.defaultHttpClient(), true);
    }

    @AfterAll
    static void stopMoto() {
        direct.close();
        moto.close();
    }

    @BeforeEach
    void open() {
        moto.reset();
        provider = aws.provider(dir);
    }

    @AfterEach
    void close() {
        provider.close();
    }

    /** The test's own clients, straight to moto, to check what the provider did. */
    private static AwsClients clients() {
        return direct.get();
    }

    private DBInstance describe(String id) {
        return clients().rds().describeDBInstances(b -> b.dbInstanceIdentifier(id)).dbInstances().get(0);
    }

    @Test
    void aDatabaseWithLogicalReplicationItsPasswordInSecretsManagerAndNowhereElse() {
        Resource db = provider.database().create(new DatabaseRequest("shop-v1", "15", "small", null, 10));
        assertEquals("shop-v1-db", db.id());
        DBInstance i = describe("imago-shop-v1-db");
        assertEquals("postgres", i.engine());
        assertEquals("db.t3.small", i.dbInstanceClass(), "size small is db.t3.small");
        assertEquals(20, i.allocatedStorage(), "RDS's minimum, not the blueprint's 10");
        assertFalse(i.publiclyAccessible());
        assertEquals("imago-shop-v1-postgres15", i.dbParameterGroups().get(0).dbParameterGroupName());
        assertTrue(aws.log.stream().anyMatch(l -> l.contains("gets 20 GB, not 10")), aws.log.toString());

        var group = clients().rds().describeDBParameterGroups(b -> b.dbParameterGroupName("imago-shop-v1-postgres15")).dbParameterGroups().get(0);
        assertEquals("postgres15", group.dbParameterGroupFamily());
        Map<String, String> params = clients().rds().describeDBParametersPaginator(b -> b.dbParameterGroupName("imago-shop-v1-postgres15")
                .source("user")).parameters().stream().collect(java.util.stream.Collectors.toMap(p -> p.parameterName(), p -> p.parameterValue()));
        assertEquals("1", params.get("rds.logical_replication"));
        assertEquals("10240", params.get("max_slot_wal_keep_size"));

        DatabaseCredentials admin = provider.database().credentials(db, true);
        DatabaseCredentials app = provider.database().credentials(db, false);
        DatabaseCredentials reader = provider.database().readerCredentials(db);
        assertEquals(List.of("imago", "app", "imago_reader"), List.of(admin.user(), app.user(), reader.user()));
        assertEquals(i.endpoint().address(), admin.host());
        assertEquals(i.endpoint().port(), admin.port());
        assertEquals("app", admin.database());
        assertEquals(36, admin.password().length());
        assertNotEquals(admin.password(), app.password());
        String secret = clients().secrets().getSecretValue(b -> b.secretId("imago/shop-v1/database")).secretString();
        assertTrue(secret.contains("\"password\":\"" + admin.password() + "\""), "the master password lives in the secret");
        for (String pw : List.of(admin.password(), app.password(), reader.password())) {
            assertFalse(db.attrs().values().stream().anyMatch(v -> v.contains(pw)), "no password in the resource (the state)");
            assertFalse(aws.log.stream().anyMatch(l -> l.contains(pw)), "nor in the log");
        }
        assertEquals(List.of(i.endpoint().address() + ":" + i.endpoint().port() + " imago/app/imago_reader"), aws.roles.prepared);
        assertTrue(provider.database().alive(db));
    }

    @Test
    void createAgainFindsTheSameDatabaseAndKeepsItsPassword() {
        Resource first = provider.database().create(new DatabaseRequest("shop-v1", "15", "small", null, 20));
        String password = provider.database().credentials(first, true).password();
        Resource again = provider.database().create(new DatabaseRequest("shop-v1", "15", "small", null, 20));
        assertEquals(first.attrs(), again.attrs());
        assertEquals(password, provider.database().credentials(again, true).password());
        assertEquals(1, clients().rds().describeDBInstances().dbInstances().size());
        assertEquals(List.of("shop-v1-db"), provider.database().list("shop-v1").stream().map(Resource::id).toList());
        assertEquals(List.of(), provider.database().list("shop-v2"));
    }

    @Test
    void destroyDeletesTheInstanceItsParameterGroupAndItsSecretAndLeavesNothingTagged() {
        Resource db = provider.database().create(new DatabaseRequest("shop-v1", "15", null, "db.m6g.large", 20));
        assertEquals("db.m6g.large", describe("imago-shop-v1-db").dbInstanceClass(), "an explicit instanceClass wins");
        assertFalse(provider.leftovers("shop-v1").isEmpty());
        provider.database().destroy(db);
        provider.database().destroy(db);
        assertTrue(clients().rds().describeDBInstances().dbInstances().isEmpty());
        assertTrue(clients().rds().describeDBParameterGroups().dbParameterGroups().stream()
                .noneMatch(g -> g.dbParameterGroupName().startsWith("imago-")));
        assertEquals(List.of(), clients().secrets().listSecrets().secretList());
        assertEquals(List.of(), provider.leftovers("shop-v1"));
        assertFalse(provider.database().alive(db));
        assertEquals(List.of(), provider.database().list("shop-v1"));
    }

    @Test
    void whatAnInterruptedDestroyLeftIsListedSoDestroyFinishesIt() {
        Resource db = provider.database().create(new DatabaseRequest("shop-v1", "16", "xs", null, 20));
        clients().rds().deleteDBInstance(b -> b.dbInstanceIdentifier("imago-shop-v1-db").skipFinalSnapshot(true));
        List<Resource> left = provider.database().list("shop-v1");
        assertEquals(1, left.size(), "the secret and the parameter group are still there");
        provider.database().destroy(left.get(0));
        assertEquals(List.of(), provider.leftovers("shop-v1"));
        assertEquals(List.of(), provider.database().list("shop-v1"));
        assertFalse(provider.database().alive(db));
    }

    @Test
    void anExistingInstanceWhoseSecretIsGoneIsNotGivenANewPassword() {
        provider.database().create(new DatabaseRequest("shop-v1", "15", "small", null, 20));
        clients().secrets().deleteSecret(b -> b.secretId("imago/shop-v1/database").forceDeleteWithoutRecovery(true));
        ProviderException e = assertThrows(ProviderException.class,
                () -> provider.database().create(new DatabaseRequest("shop-v1", "15", "small", null, 20)));
        assertTrue(e.getMessage().contains("its secret imago/shop-v1/database is missing"), e.getMessage());
    }

    @Test
    void secretsComeFromSecretsManagerElseTheEnvironment() {
        clients().secrets().createSecret(b -> b.name("STRIPE_KEY").secretString("sk-from-secrets-manager"));
        assertEquals("sk-from-secrets-manager", provider.secret("STRIPE_KEY").orElseThrow());
        assertEquals(System.getenv().containsKey("IMAGO_SECRET_NOT_THERE"), provider.secret("not-there").isPresent());
        assertEquals(System.getenv("IMAGO_SECRET_ENV_ONLY"), provider.secret("env-only").orElse(null),
                "IMAGO_SECRET_ENV_ONLY, set by the build for this test");
    }
}
