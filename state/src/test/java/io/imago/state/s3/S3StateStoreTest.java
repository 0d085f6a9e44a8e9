package io.imago.state.s3;

import static org.junit.jupiter.api.Assertions.*;

import io.imago.state.LockInfo;
import io.imago.state.StateJson;
import io.imago.state.StateLockedException;
import io.imago.state.StateStore;
import io.imago.state.StateStoreContract;
import io.imago.state.StateStoreException;
import io.imago.state.UniverseState;
import io.imago.testkit.MotoServer;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/** The S3 store against a real moto server on loopback: the contract, and what only a remote lock has. */
class S3StateStoreTest extends StateStoreContract {
    static final S3Location AT = S3Location.parse("s3://imago-state/teams/shop");

    static MotoServer moto;
    static S3Client s3;

    @TempDir Path local;
    final List<StateStore> opened = new ArrayList<>();

    @BeforeAll
    static void startMoto() {
        moto = MotoServer.start().useInThisJvm();
        s3 = S3Clients.create(AT, S3Clients.Timeouts.defaults());
    }

    @AfterAll
    static void stopMoto() {
        if (s3 != null) {
            s3.close();
        }
        if (moto != null) {
            moto.close();
        }
    }

    @BeforeEach
    void emptyBucket() {
        moto.reset();
        s3.createBucket(b -> b.bucket(AT.bucket()));
    }

    @AfterEach
    void closeStores() {
        opened.forEach(StateStore::close);
    }

    @Override
    protected StateStore newStore() {
        StateStore store = new S3StateStore(s3, AT, local.resolve("cache"));
        opened.add(store);
        return store;
    }

    List<String> keys() {
        List<String> keys = new ArrayList<>();
        for (S3Object o : s3.listObjectsV2Paginator(b -> b.bucket(AT.bucket())).contents()) {
            keys.add(o.key());
        }
        return keys;
    }

    String body(String key) {
        return s3.getObjectAsBytes(b -> b.bucket(AT.bucket()).key(key)).asUtf8String();
    }

    @Test
    void theStateIsJsonObjectsUnderThePrefixLaidOutAsTheLocalFolder() {
        StateStore store = newStore();
        store.save(UniverseState.create("shop-v1", "local", "/shop-v1.yml", null, "shop"));
        assertEquals(List.of("teams/shop/universes/shop-v1.json"), keys());
        assertTrue(body("teams/shop/universes/shop-v1.json").contains("\"name\" : \"shop-v1\""));
        try (StateStore.Lock lock = store.lock("apply shop-v1")) {
            assertEquals(List.of("teams/shop/lock", "teams/shop/universes/shop-v1.json"), keys());
            var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(body("teams/shop/lock"));
            List<String> fields = new ArrayList<>();
            json.fieldNames().forEachRemaining(fields::add);
            assertEquals(List.of("pid", "host", "user", "started", "operation"), fields, "who, where, what and since when; nothing else");
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        assertEquals(List.of("teams/shop/universes/shop-v1.json"), keys(), "releasing deletes the lock object");
        assertEquals(local.resolve("cache/providers/local").toAbsolutePath(), store.providerDir("local"),
                "providers' folders stay on this machine");
    }

    /** The lock rests on this: if S3 (moto here) took a second conditional write, the lock tests below could not fail. */
    @Test
    void s3RefusesASecondConditionalWriteOfTheSameKey() {
        String key = AT.key("lock");
        s3.putObject(b -> b.bucket(AT.bucket()).key(key).ifNoneMatch("*"), RequestBody.fromString("first"));
        S3Exception e = assertThrows(S3Exception.class,
                () -> s3.putObject(b -> b.bucket(AT.bucket()).key(key).ifNoneMatch("*"), RequestBody.fromString("second")));
        assertEquals(412, e.statusCode());
        assertEquals("first", body(key));
    }

    @Test
    void ofStoresRacingForTheLockExactlyOneWinsAndTheOthersAreToldWho() throws Exception {
        int n = 6;
        CyclicBarrier start = new CyclicBarrier(n);
        List<String> winners = new CopyOnWriteArrayList<>();
        List<StateLockedException> losers = new CopyOnWriteArrayList<>();
        List<StateStore.Lock> held = new CopyOnWriteArrayList<>();
        ExecutorService pool = Executors.newFixedThreadPool(n);
        try {
            List<Future<?>> runs = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                StateStore store = newStore();
                String op = "apply #" + i;
                runs.add(pool.submit(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    try {
                        held.add(store.lock(op));
                        winners.add(op);
                    } catch (StateLockedException e) {
                        losers.add(e);
                    }
                    return null;
                }));
            }
            for (Future<?> f : runs) {
                f.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, winners.size(), "exactly one run holds the lock: " + winners);
        assertEquals(n - 1, losers.size());
        for (StateLockedException e : losers) {
            assertNotNull(e.holder(), e.getMessage());
            assertEquals(winners.get(0), e.holder().operation(), e.getMessage());
            assertTrue(e.getMessage().contains(winners.get(0)), e.getMessage());
        }
        held.forEach(StateStore.Lock::close);
        assertFalse(keys().contains(AT.key("lock")));
    }

    @Test
    void aLockLeftByAKilledRunIsReportedWithItsAgeUntilSomeoneDeletesIt() {
        LockInfo killed = new LockInfo(4242, "build-7", "ci", Instant.now().minus(Duration.ofMinutes(192)), "apply shop-v2");
        s3.putObject(b -> b.bucket(AT.bucket()).key(AT.key("lock")), RequestBody.fromBytes(StateJson.bytes(killed)));
        StateStore store = newStore();
        StateLockedException e = assertThrows(StateLockedException.class, () -> store.lock("destroy shop-v2"));
        assertEquals(killed, e.holder());
        assertTrue(e.getMessage().contains("pid 4242 on build-7 (user ci), apply shop-v2 started"), e.getMessage());
        assertTrue(e.getMessage().contains("(3 h 12 min ago)"), e.getMessage());
        assertTrue(e.hint().contains("aws s3 rm s3://imago-state/teams/shop/lock"), e.hint());

        s3.deleteObject(b -> b.bucket(AT.bucket()).key(AT.key("lock"))); // the documented way out
        store.lock("destroy shop-v2").close();
    }

    @Test
    void aLockWhoseBodyCannotBeReadIsStillALock() {
        s3.putObject(b -> b.bucket(AT.bucket()).key(AT.key("lock")), RequestBody.fromString("not json"));
        StateLockedException e = assertThrows(StateLockedException.class, () -> newStore().lock("apply"));
        assertNull(e.holder());
        assertTrue(e.getMessage().contains("unknown holder"), e.getMessage());
    }

    @Test
    void releasingNeverDeletesALockThatIsNoLongerThisRuns() {
        StateStore store = newStore();
        StateStore.Lock mine = store.lock("apply shop-v2");
        // someone deleted it by hand and another run took it meanwhile
        LockInfo other = new LockInfo(7, "laptop", "ada", Instant.now(), "destroy shop-v2");
        s3.putObject(b -> b.bucket(AT.bucket()).key(AT.key("lock")), RequestBody.fromBytes(StateJson.bytes(other)));
        StateStoreException e = assertThrows(StateStoreException.class, mine::close);
        assertTrue(e.getMessage().contains("was removed while this run held it and it is now held by pid 7 on laptop"), e.getMessage());
        assertTrue(body(AT.key("lock")).contains("\"destroy shop-v2\""), "the other run's lock is left alone");
    }

    @Test
    void aMissingBucketIsAClearErrorNamingTheState() {
        StateStore store = new S3StateStore(s3, S3Location.parse("s3://no-such-bucket/p"), local);
        StateStoreException e = assertThrows(StateStoreException.class, store::universes);
        assertEquals("cannot list s3://no-such-bucket/p/universes/: the bucket does not exist", e.getMessage());
        assertThrows(StateStoreException.class, () -> store.lock("apply"));
    }

    @Test
    void aStateObjectThatIsNotJsonIsAnErrorNamingIt() {
        s3.putObject(b -> b.bucket(AT.bucket()).key(AT.key("universes/shop-v1.json")), RequestBody.fromString("{ broken"));
        StateStoreException e = assertThrows(StateStoreException.class, () -> newStore().universe("shop-v1"));
        assertTrue(e.getMessage().startsWith("cannot read state object s3://imago-state/teams/shop/universes/shop-v1.json"), e.getMessage());
    }

    /** A server that takes the connection and never answers: every call still ends, within its timeout. */
    @Test
    void noCallWaitsLongerThanItsTimeout() throws Exception {
        try (ServerSocket silent = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            List<Socket> accepted = new CopyOnWriteArrayList<>();
            Thread acceptor = new Thread(() -> {
                try {
                    while (true) {
                        accepted.add(silent.accept());
                    }
                } catch (java.io.IOException ignored) {
                    // closed
                }
            });
            acceptor.setDaemon(true);
            acceptor.start();
            String saved = System.getProperty("aws.endpointUrl");
            System.setProperty("aws.endpointUrl", "http://127.0.0.1:" + silent.getLocalPort());
            S3Client stuck;
            try {
                stuck = S3Clients.create(AT, new S3Clients.Timeouts(Duration.ofSeconds(1), Duration.ofSeconds(1),
                        Duration.ofSeconds(1), Duration.ofSeconds(3)));
            } finally {
                System.setProperty("aws.endpointUrl", saved);
            }
            try (S3StateStore store = new S3StateStore(stuck, AT, local)) {
                long t0 = System.nanoTime();
                StateStoreException e = assertThrows(StateStoreException.class, () -> store.universe("shop-v1"));
                long ms = (System.nanoTime() - t0) / 1_000_000;
                assertTrue(ms < 6000, "ended after " + ms + " ms: " + e.getMessage());
                assertTrue(e.getMessage().startsWith("cannot read s3://imago-state/teams/shop/universes/shop-v1.json: "), e.getMessage());
                assertFalse(accepted.isEmpty(), "the call did reach the silent server");
            } finally {
                stuck.close();
                for (Socket s : accepted) {
                    s.close();
                }
            }
        }
    }

    /** The client's credentials (moto's: "testing") reach neither the state nor the lock. */
    @Test
    void noCredentialIsWrittenToTheBucket() {
        StateStore store = newStore();
        store.save(UniverseState.create("shop-v1", "local", "/shop-v1.yml", null, "shop"));
        try (StateStore.Lock lock = store.lock("apply shop-v1")) {
            for (String key : keys()) {
                assertFalse(body(key).contains(MotoServer.SECRET_KEY), key + ": " + body(key));
            }
        }
    }
}
