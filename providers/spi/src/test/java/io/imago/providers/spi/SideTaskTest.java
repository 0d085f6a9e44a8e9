package io.imago.providers.spi;

import static org.junit.jupiter.api.Assertions.*;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class SideTaskTest {
    @Test
    void runsBesideTheCallerAndGivesItsResult() throws Exception {
        CountDownLatch callerReached = new CountDownLatch(1);
        SideTask<String> t = SideTask.start("side", () -> {
            try {
                callerReached.await(); // would never return if the work ran on the caller's thread
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
            return Thread.currentThread().getName();
        });
        callerReached.countDown();
        assertEquals("side", t.join());
    }

    @Test
    void rethrowsTheWorksOwnExceptionUnwrapped() {
        IllegalStateException thrown = new IllegalStateException("the ingress did not start");
        SideTask<String> t = SideTask.start("side", () -> {
            throw thrown;
        });
        assertSame(thrown, assertThrows(IllegalStateException.class, t::join));
    }

    @Test
    void awaitQuietlyWaitsForTheEndAndSwallowsTheFailure() {
        AtomicBoolean ended = new AtomicBoolean();
        SideTask<Void> t = SideTask.start("side", () -> {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            ended.set(true);
            throw new IllegalStateException("failed after a while");
        });
        t.awaitQuietly();
        assertTrue(ended.get());
    }
}
