package io.imago.providers.local;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProcTableTest {
    /**
     * A zombie (exited, not reaped) counts as stopped: the init of some machines reaps detached processes only every second
     * or so, and waiting for it made every stop that long.
     */
    @Test
    void anExitedButUnreapedProcessIsNotRunning() throws Exception {
        // The shell's child exits at once; the shell execs into sleep, which never reaps it.
        Process parent = new ProcessBuilder("sh", "-c", "sleep 0 & exec sleep 30").start();
        try {
            ProcessHandle zombie = awaitChild(parent.toHandle());
            long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (ProcTable.running(zombie.pid()) && System.nanoTime() < deadline) {
                Thread.sleep(10);
            }
            assertTrue(zombie.isAlive(), "the JDK calls an unreaped process alive");
            assertFalse(ProcTable.running(zombie.pid()));
            assertFalse(Processes.running(zombie));
            assertTrue(Processes.running(parent.toHandle()));

            long t0 = System.nanoTime();
            Processes.stop(parent.toHandle(), Duration.ofSeconds(10));
            assertFalse(Processes.running(parent.toHandle()));
            assertTrue(System.nanoTime() - t0 < Duration.ofSeconds(5).toNanos(), "stop waited for the zombie to be reaped");
        } finally {
            parent.destroyForcibly();
        }
    }

    @Test
    void aPidThatNeverExistedIsNotRunning() {
        assertFalse(ProcTable.running(Integer.MAX_VALUE));
    }

    private static ProcessHandle awaitChild(ProcessHandle parent) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < deadline) {
            List<ProcessHandle> children = parent.children().toList();
            if (!children.isEmpty()) {
                return children.get(0);
            }
            Thread.sleep(5);
        }
        throw new AssertionError("the shell started no child");
    }
}
