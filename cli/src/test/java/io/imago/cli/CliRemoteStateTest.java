package io.imago.cli;

import static org.junit.jupiter.api.Assertions.*;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.imago.state.Phase;
import io.imago.state.StateStore;
import io.imago.state.UniverseState;
import io.imago.state.s3.S3Clients;
import io.imago.state.s3.S3Location;
import io.imago.state.s3.S3StateStore;
import io.imago.testkit.MotoServer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.services.s3.S3Client;

/** --state s3://BUCKET/PREFIX through the command line, against a moto server on loopback: exit codes and messages. */
class CliRemoteStateTest {
    /** A prefix of this run's own, so that the local folder it would name is this test's only. */
    static final String STATE = "s3://imago-state/cli-test-" + ProcessHandle.current().pid();
    static final S3Location AT = S3Location.parse(STATE);

    static MotoServer moto;
    static S3Client s3;

    @TempDir Path dir;

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

    record Run(int code, String out, String err) {}

    Run imago(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Imago.run(new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8), args);
        return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    /** Another run's store on the same state. */
    StateStore other() {
        return new S3StateStore(s3, AT, dir.resolve("other"));
    }

    @Test
    void statusReadsTheRemoteStateAndLeavesNoTraceOnThisMachine() throws Exception {
        assertEquals(0, new ObjectMapper().readTree(imago("--state", STATE, "status", "--output", "json").out()).get("universes").size());
        other().save(UniverseState.create("shop-v1", "local", "/shop-v1.yml", null, "shop").withPhase(Phase.FAILED));
        Run r = imago("status", "--output", "json", "--state", STATE);
        assertEquals(0, r.code(), r.toString());
        JsonNode u = new ObjectMapper().readTree(r.out()).get("universes");
        assertEquals(1, u.size(), r.out());
        assertEquals("shop-v1", u.get(0).get("name").asText());
        assertEquals("FAILED", u.get(0).get("phase").asText());
        Path local = AT.under(Path.of(System.getProperty("user.home"), ".imago", "s3"));
        assertFalse(Files.exists(local), "status is a dry run: nothing created in " + local);
    }

    @Test
    void aRemoteStateLockedByAnotherRunExits4NamingItAndHowToClearAStaleLock() throws Exception {
        try (StateStore.Lock held = other().lock("apply shop-v2")) {
            Run r = imago("--state", STATE, "destroy", "--yes", "shop-v1");
            assertEquals(4, r.code(), r.toString());
            assertTrue(r.err().contains("the state is locked by another run: pid " + ProcessHandle.current().pid()), r.err());
            assertTrue(r.err().contains("apply shop-v2 started"), r.err());
            assertTrue(r.err().contains("aws s3 rm " + STATE + "/lock"), r.err());
            assertFalse(r.err().contains("releases the lock by itself"), "that is true of the local lock only: " + r.err());

            Run json = imago("--state", STATE, "--output", "json", "rollback", "--yes", "shop-v2");
            assertEquals(4, json.code(), json.toString());
            JsonNode e = new ObjectMapper().readTree(json.out()).get("error");
            assertTrue(e.get("hint").asText().contains("aws s3 rm " + STATE + "/lock"), json.out());
        }
        Run after = imago("--state", STATE, "destroy", "--yes", "shop-v1");
        assertNotEquals(4, after.code(), "the lock was released: " + after);
    }

    @Test
    void aStateThatCannotBeReachedExits1WithWhatS3Said() {
        Run r = imago("--state", "s3://no-such-bucket/shop", "status");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("cannot list s3://no-such-bucket/shop/universes/: the bucket does not exist"), r.err());
        assertFalse(r.err().contains("internal error"), r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
    }
}
