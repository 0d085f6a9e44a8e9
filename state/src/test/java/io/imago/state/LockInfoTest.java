package io.imago.state;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LockInfoTest {
    @Test
    void describesTheHolderAndHowLongItHasHeldTheLock() {
        Instant started = Instant.parse("2030-01-01T10:00:00Z");
        LockInfo l = new LockInfo(4242, "build-7", "ci", started, "apply shop-v2");
        assertEquals("pid 4242 on build-7 (user ci), apply shop-v2 started 2030-01-01T10:00:00Z (3 h 12 min ago)",
                l.describe(started.plus(Duration.ofMinutes(192))));
        assertEquals("42 s", LockInfo.age(Duration.ofSeconds(42)));
        assertEquals("5 min", LockInfo.age(Duration.ofSeconds(330)));
        assertEquals("2 d 4 h", LockInfo.age(Duration.ofHours(52)));
        assertEquals("0 s", LockInfo.age(Duration.ofSeconds(-3)), "a clock behind the holder's");
    }

    @Test
    void aLockWrittenBeforeTheUserWasRecordedStillReads() throws Exception {
        LockInfo l = StateJson.read("{\"pid\":7,\"host\":\"h\",\"started\":\"2030-01-01T10:00:00Z\",\"operation\":\"apply\"}"
                .getBytes(java.nio.charset.StandardCharsets.UTF_8), LockInfo.class);
        assertNull(l.user());
        assertTrue(l.describe().startsWith("pid 7 on h, apply started"), l.describe());
    }
}
