package io.imago.providers.local;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.imago.providers.local.FreePorts.Range;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FreePortsTest {

    @Test
    void drawsBelowTheEphemeralRangeAndSkipsTakenPorts() {
        Set<Integer> tried = new HashSet<>();
        int port = FreePorts.pick(new Range(32768, 60999), new Random(7), p -> {
            tried.add(p);
            return tried.size() > 3; // the first three are taken
        });
        assertTrue(port >= 10_000 && port < 32768, "below the ephemeral range: " + port);
        assertEquals(4, tried.size());
    }

    @Test
    void drawsAboveTheRangeWhenItStartsLowAndGivesUpOnNoRoom() {
        assertEquals(new Range(50001, 65535), FreePorts.outside(new Range(1024, 50000)));
        assertNull(FreePorts.outside(new Range(1024, 65000)));
        int port = FreePorts.pick(new Range(1024, 65000), new Random(7), p -> false); // no room: the kernel's pick
        assertTrue(port > 0, "a port from the kernel: " + port);
    }

    @Test
    void readsTheKernelsRangeOrAssumesItsDefault(@TempDir Path dir) throws Exception {
        Path setting = Files.writeString(dir.resolve("range"), "40000\t50000\n");
        assertEquals(new Range(40000, 50000), FreePorts.ephemeralRange(setting));
        assertEquals(FreePorts.DEFAULT_EPHEMERAL, FreePorts.ephemeralRange(dir.resolve("missing")));
    }

    @Test
    void aPickedPortCanBeBound() {
        int port = FreePorts.pick();
        assertTrue(FreePorts.bindable(port), "port " + port);
    }
}
