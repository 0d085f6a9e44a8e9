package io.imago.it;

import static org.junit.jupiter.api.Assertions.*;

import io.imago.providers.local.FreePorts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two runs on one state: the second exits 4 and names the first; destroy afterwards leaves nothing. */
class StateLockIT {
    @TempDir Path tmp;

    @Test
    void secondApplyOnTheSameStateExits4NamingTheHolder() throws Exception {
        Quickstart qs = new Quickstart(tmp);
        Process first = Cli.builder(tmp, java.util.Map.of(), "apply", "--yes", qs.v1().toString())
                .redirectOutput(tmp.resolve("first.out").toFile()).redirectError(tmp.resolve("first.err").toFile()).start();
        try {
            Path lock = tmp.resolve(".imago/lock");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (!(Files.exists(lock) && Files.size(lock) > 0) && System.nanoTime() < deadline) {
                Thread.sleep(50);
            }
            Cli.Result second = qs.imago("apply", "--yes", qs.v1().toString());
            assertEquals(4, second.code(), second.toString());
            assertTrue(second.err().contains("pid " + first.pid()), second.err());
            Cli.Result destroy = qs.imago("destroy", "shop-v1", "--yes");
            assertEquals(4, destroy.code(), destroy.toString());
            assertTrue(first.waitFor(5, TimeUnit.MINUTES));
            assertEquals(0, first.exitValue(), Files.readString(tmp.resolve("first.err")));
        } finally {
            first.destroyForcibly();
        }
        assertEquals(0, qs.imago("destroy", "shop-v1", "--yes").code());
        assertEquals(List.of(), Leaks.processesUnder(tmp));
        assertTrue(FreePorts.bindable(qs.port));
    }
}
